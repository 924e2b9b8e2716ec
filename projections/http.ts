/** What the projections' routes share: the cut a request asks for, and the 404 of a fund unknown at that cut. */
import { NotFoundException } from '@nestjs/common';
import type { Cut } from './queries';

/** `?asOf=` / `?atPosition=` of a request as a cut; ages are counted to the server's today unless `asOf` says otherwise. */
export function cutOfRequest(query: { asOf?: string; atPosition?: number }, clock: () => Date): Cut {
  return {
    ...(query.asOf ? { asOf: query.asOf } : {}),
    ...(query.atPosition !== undefined ? { atPosition: query.atPosition } : {}),
    today: clock().toISOString().slice(0, 10),
  };
}

export function fundNotFound(fundId: string): NotFoundException {
  return new NotFoundException({
    error: 'unknown-fund',
    message: `专项资金 ${fundId} 不存在（或在该时点尚未设立） / fund ${fundId} not found at this cut`,
    message_zh: `专项资金 ${fundId} 不存在（或在该时点尚未设立）`,
    message_en: `fund ${fundId} does not exist (at this cut)`,
  });
}
