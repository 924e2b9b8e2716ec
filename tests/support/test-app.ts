/** An application on a fresh temporary SQLite store, for end-to-end tests through HTTP. */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpApp } from '../../src/app/http-app';
import { createRuntime, type Runtime } from '../../src/app/runtime';
import { loadConfig } from '../../src/config';
import type { EventStore } from '../../src/event-store/event-store.port';

export interface TestApp {
  app: INestApplication;
  runtime: Runtime;
  http: () => ReturnType<typeof request>;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestApp(options: { store?: EventStore; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fundtrail-test-'));
  const config = loadConfig({ FUNDTRAIL_DATA_DIR: dataDir, FUNDTRAIL_DEMO: 'false', ...options.env });
  const runtime = await createRuntime(config, { store: options.store });
  const app = await createHttpApp(runtime, { logger: false });
  await app.init();
  return {
    app,
    runtime,
    dataDir,
    http: () => request(app.getHttpServer()),
    async close() {
      await app.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A snapshot of everything the store holds, to prove a refused request changed nothing. */
export async function storeSnapshot(store: EventStore): Promise<string> {
  const events = [];
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: 1000 });
    events.push(...batch.map((event) => `${event.position}:${event.streamId}:${event.version}:${event.hash}`));
    if (batch.length < 1000) break;
    after = batch[batch.length - 1].position;
  }
  return events.join('\n');
}
