/**
 * The projections' lean read (`readAllForProjection`, SQLite and PostgreSQL adapters): the same events as readAll
 * forwards, in the same order and pages, with exactly the fields a projection folds (no hashes, of the metadata
 * only the business date).
 */
import { PostgresEventStore } from '../../src/event-store/postgres.event-store';
import { readAllForProjection } from '../../src/event-store/read-all';
import type { EventStore, ProjectionEvent, RecordedEvent } from '../../src/event-store/event-store.port';
import type { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { PG_URL, demoStoreOfSuite } from './support';

jest.setTimeout(60_000);

const lean = (event: RecordedEvent): ProjectionEvent => ({
  position: event.position,
  streamId: event.streamId,
  version: event.version,
  eventId: event.eventId,
  type: event.type,
  data: event.data,
  metadata: { occurredAt: event.metadata.occurredAt },
});

const TYPES = ['TransferSent', 'ProjectClosed', 'EventReversed'];

/** Pages of `types` only: the events of those types of readAll, in order, each once; a short page only at the end. */
async function expectTypesOfReadAll(store: EventStore, pageSize: number): Promise<number> {
  const wanted = (await store.readAll({ limit: 10_000 })).filter((event) => TYPES.includes(event.type)).map(lean);
  expect(wanted.length).toBeGreaterThan(pageSize);
  const pages: ProjectionEvent[][] = [];
  let after = 0;
  for (;;) {
    const page = await readAllForProjection(store, { after, limit: pageSize, types: TYPES });
    pages.push(page.map((event) => ('hash' in event ? lean(event as RecordedEvent) : event)));
    if (page.length < pageSize) break;
    after = page[page.length - 1].position;
  }
  expect(pages.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
  expect(pages.flat()).toEqual(wanted);
  return wanted.length;
}

async function expectSameAsReadAll(store: EventStore, pageSize: number): Promise<number> {
  expect(store.readAllForProjection).toBeDefined();
  let after = 0;
  let count = 0;
  for (;;) {
    const whole = await store.readAll({ after, limit: pageSize });
    const page = await store.readAllForProjection!({ after, limit: pageSize });
    expect(page).toEqual(whole.map(lean));
    for (const event of page) expect(Object.keys(event.metadata)).toEqual(['occurredAt']);
    if (page.length === 0) return count;
    count += page.length;
    after = page[page.length - 1].position;
  }
}

describe('readAllForProjection', () => {
  const demo = demoStoreOfSuite();

  it('SQLite: the pages of readAll, lean', async () => {
    const store = demo.store;
    const head = await store.headPosition();
    expect(await expectSameAsReadAll(store, 37)).toBe(head);
    expect(await store.readAllForProjection({ after: head })).toEqual([]);
    expect((await store.readAllForProjection({ after: 5, limit: 3 })).map((event) => event.position)).toEqual([6, 7, 8]);
  });

  it('only some event types (SQLite in SQL; a store without the lean read through its readAll pages): the same events, a short page only at the end', async () => {
    const store = demo.store;
    const count = await expectTypesOfReadAll(store, 4);
    const withoutLeanRead = Object.create(store, { readAllForProjection: { value: undefined } }) as SqliteEventStore;
    expect(await expectTypesOfReadAll(withoutLeanRead, 4)).toBe(count);
    expect(await readAllForProjection(store, { after: await store.headPosition(), types: TYPES })).toEqual([]);
  });

  it('read-all.ts readAllForProjection: the lean page where the store has one, its readAll page where it has not (EventStoreDB)', async () => {
    const store = demo.store;
    expect(await readAllForProjection(store, { after: 5, limit: 3 })).toEqual(await store.readAllForProjection({ after: 5, limit: 3 }));
    const withoutLeanRead = Object.create(store, { readAllForProjection: { value: undefined } }) as SqliteEventStore;
    const page = await readAllForProjection(withoutLeanRead, { after: 5, limit: 3 });
    expect(page).toEqual(await store.readAll({ after: 5, limit: 3 }));
    expect((page as RecordedEvent[]).map(lean)).toEqual(await store.readAllForProjection({ after: 5, limit: 3 }));
  });

  it('PostgreSQL: the pages of readAll, lean', async () => {
    const store = demo.store;
    const schema = `lean_${process.pid}_${Date.now().toString(36)}`;
    const pg = await PostgresEventStore.open({ connectionString: PG_URL, schema });
    try {
      const events = await store.readAll({ limit: 10_000 });
      await pg.importEvents(events, []);
      expect(await expectSameAsReadAll(pg, 41)).toBe(events.length);
      expect(await expectTypesOfReadAll(pg, 4)).toBe(events.filter((event) => TYPES.includes(event.type)).length);
    } finally {
      await pg.close();
      const { Pool } = await import('pg');
      const admin = new Pool({ connectionString: PG_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
