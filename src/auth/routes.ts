/** Every route the Nest app serves, with the action it declares: for the role matrix test and the docs. */
import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PERMISSION_KEY } from './decorators';

export interface RouteInfo {
  method: string;
  /** Express style, e.g. /api/funds/:fundId/events */
  path: string;
  /** The declared action, if any. */
  declared?: string;
}

function join(...parts: string[]): string {
  const path = parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${path}`;
}

export function listRoutes(app: INestApplication): RouteInfo[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!type || !wrapper.instance) continue;
    const prefixes = [reflector.get<string | string[]>(PATH_METADATA, type) ?? ''].flat();
    const prototype = Object.getPrototypeOf(wrapper.instance);
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const paths = reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
      const method = reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
      if (paths === undefined || method === undefined) continue;
      const declared = reflector.getAllAndOverride<string | undefined>(PERMISSION_KEY, [handler, type]);
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) routes.push({ method: RequestMethod[method], path: join(prefix, path), ...(declared ? { declared } : {}) });
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
