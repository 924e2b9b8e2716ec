/**
 * Tamper evidence: each event's hash covers the previous event's hash of its stream and the
 * event's own content in a canonical form (keys sorted), so that any store may re-serialise JSON
 * (PostgreSQL jsonb does) without breaking the chain.
 */
import { createHash } from 'node:crypto';
import type { NewEvent, RecordedEvent } from './event-store.port';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function eventHash(prevHash: string, streamId: string, version: number, event: NewEvent): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson({ streamId, version, eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata }))
    .digest('hex');
}

/** Chains new events after a stream's last hash. */
export function chain(
  streamId: string,
  firstVersion: number,
  lastHash: string,
  events: NewEvent[],
): Array<NewEvent & { version: number; prevHash: string; hash: string }> {
  let prevHash = lastHash;
  return events.map((event, index) => {
    const version = firstVersion + index;
    const hash = eventHash(prevHash, streamId, version, event);
    const chained = { ...event, version, prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

export interface ChainBreak {
  position: number;
  streamId: string;
  version: number;
  eventId: string;
  problem: string;
}

/** Checks one stream's events (in version order): versions without gaps, links and hashes. */
export function verifyStreamChain(events: RecordedEvent[]): ChainBreak | undefined {
  let prevHash = '';
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    const at = { position: event.position, streamId: event.streamId, version: event.version, eventId: event.eventId };
    if (event.version !== index) return { ...at, problem: `version ${event.version} where ${index} was expected` };
    if (event.prevHash !== prevHash) return { ...at, problem: 'link to the previous event does not match its hash' };
    if (eventHash(prevHash, event.streamId, event.version, event) !== event.hash) return { ...at, problem: 'content does not match its hash' };
    prevHash = event.hash;
  }
  return undefined;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
