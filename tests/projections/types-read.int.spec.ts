/**
 * Proves: the runner asks the store only for the event types its projections fold (Projection.handles), so a
 * projection rebuilt alone does not parse the rest of the log; its rows are those of a full rebuild that reads every
 * event (so a type missing from `handles` would show), and its checkpoint
 * reaches the head even when the log ends with events of other types (the demo ends with payouts, which the
 * projects projection skips).
 */
import { ProjectionRunner } from '../../projections';
import type { Projection } from '../../projections/projection';
import { PROJECTIONS } from '../../projections/registry';
import { rowsOf } from '../../projections/verify';
import type { ReadAllForProjectionOptions } from '../../src/event-store/event-store.port';
import type { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { demoStoreOfSuite, freshReadModel } from './support';

describe('reading only the event types a projection folds', () => {
  const demo = demoStoreOfSuite();
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it.each(PROJECTIONS.map((projection) => [projection.name, projection] as const))('%s rebuilt alone: only its types read, the rows of a full rebuild, the checkpoint at the head', async (_name, projection: Projection) => {
    expect(projection.handles?.length).toBeGreaterThan(0);
    const store = demo.store;
    const full = await freshReadModel('sqlite', demo.dir, `full-${projection.name}`);
    drops.push(full.drop);
    // the reference reads every event (no projection says what it folds), so a type missing from `handles` shows
    const everything = new ProjectionRunner(store, full.db, PROJECTIONS.map((each) => ({ ...each, handles: undefined })));
    await everything.rebuild();
    await everything.close();
    // given a store that records what it is asked for and what it gives
    const asked: Array<readonly string[] | undefined> = [];
    const given: string[] = [];
    const recording = Object.create(store, {
      readAllForProjection: {
        value: async (options: ReadAllForProjectionOptions) => {
          asked.push(options.types);
          const page = await store.readAllForProjection(options);
          given.push(...page.map((event) => event.type));
          return page;
        },
      },
    }) as SqliteEventStore;
    // when the projection is rebuilt alone, in small batches and pages
    const alone = await freshReadModel('sqlite', demo.dir, `alone-${projection.name}`);
    drops.push(alone.drop);
    const runner = new ProjectionRunner(recording, alone.db, [projection]);
    await runner.rebuild(undefined, { batchSize: 40, pageSize: 15 });
    // then the store was asked for its types only, and gave every event of them and no other
    expect(asked.every((types) => types !== undefined && [...types].sort().join() === [...projection.handles!].sort().join())).toBe(true);
    const all = await store.readAll({ limit: 10_000 });
    expect(given).toEqual(all.filter((event) => projection.handles!.includes(event.type)).map((event) => event.type));
    expect(given.length).toBeLessThan(all.length);
    // and its tables hold the rows of the full rebuild, and its checkpoint is the head
    for (const table of projection.tables) expect([...(await rowsOf(alone.db, table)).values()]).toEqual([...(await rowsOf(full.db, table)).values()]);
    expect((await runner.lag()).map((lag) => [lag.name, lag.position])).toEqual([[projection.name, await store.headPosition()]]);
    await runner.close();
  });
});
