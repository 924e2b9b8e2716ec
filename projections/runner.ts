/**
 * The runner: feeds every projection from the event store in batches. Each batch is folded in memory and
 * written in ONE read-model transaction together with the checkpoint rows of the projections it advanced,
 * so a crash (even kill -9) at any point leaves every projection exactly at a batch boundary: no event is
 * counted twice and none is lost (tests/projections/kill-resume.int.spec.ts).
 *
 * Several projections share one read of the log: the batch is read once and each projection folds the
 * events after its own checkpoint. A projection with no checkpoint (new, or dropped by `rebuild`) starts at 0.
 *
 * Several app instances on one read model: given a LeaseGroup (src/event-store/lease.ts: a PostgreSQL advisory
 * lock or a SQLite lease row per projection name), the runner feeds only the projections whose lease it holds,
 * each commit carries a fence that rolls it back if the lease was lost meanwhile, and a projection it does not
 * feed is awaited (read your writes) until its feeder's checkpoint reaches the position asked for, or taken over
 * when its lease frees (the feeder stopped). A lease gained reloads the projection's checkpoint and state.
 *
 * A long catch-up on a machine with more than one core feeds the projections side by side: every projection with
 * a long way to go but the first is caught up by a worker thread of its own (threads.ts), with its own connections,
 * its own batches and checkpoints, under this runner's leases.
 */
import { createHash } from 'node:crypto';
import type { EventStore, ProjectionEvent, RecordedEvent } from '../src/event-store/event-store.port';
import { READ_BATCH_MAX } from '../src/event-store/event-store.port';
import { LEASE_TTL_MS_DEFAULT, type LeaseGroup } from '../src/event-store/lease';
import { readAllForProjection } from '../src/event-store/read-all';
import type { Projection, ProjectionWorker } from './projection';
import type { ReadModel } from './read-model';
import { PROJECTIONS } from './registry';
import { forgetCachedHolders } from './queries';
import { CHECKPOINT_TABLE, SCHEMA_TABLE } from './tables';
import { CatchUpThread, type CatchUpThreadData, THREADS_FROM_EVENTS, type ThreadOptions, threadCount, threadHeapMb, threadScript } from './threads';

/** Events per read-model transaction: large enough to amortise the commit, small enough to bound memory. */
export const BATCH_SIZE_DEFAULT = 10_000;
/**
 * Events per transaction when catching up a long way (a rebuild, a new projection on a big history): larger
 * transactions dirty each hot page of the read model (an active project's row, a county's open lots) once per
 * batch instead of once per 10,000 events, so less is written to the WAL. Memory stays bounded by the batch
 * (about 1 KB an event), not by the history.
 */
export const REBUILD_BATCH_SIZE = Number(process.env.FUNDTRAIL_REBUILD_BATCH ?? 50_000);
/** How long a catch-up waits for another instance feeding a projection to reach the position asked for. */
const FEEDER_WAIT_MS = 10_000;
/** A catch-up of at least this many events uses REBUILD_BATCH_SIZE. */
const LARGE_CATCH_UP = 100_000;

export interface CatchUpOptions {
  /** Stop after this position (default: the head when the call starts). */
  until?: number;
  /** Fold only the events that pass (the others still advance the checkpoint): used to build "the events up to a date". */
  filter?: (event: RecordedEvent) => boolean;
  batchSize?: number;
  /** Events read from the store at a time (default and at most READ_BATCH_MAX); a transaction holds several pages. */
  pageSize?: number;
  onProgress?(done: number, total: number): void;
  /** Called after every committed batch (tests use it to die in the middle). */
  onBatchCommitted?(position: number): void;
}

export interface RunnerOptions {
  /** Catch-ups of several projections on worker threads (see threads.ts); `{ max: 0 }`: all on this thread. */
  threads?: ThreadOptions;
}

export interface ProjectionLag {
  name: string;
  position: number;
  headPosition: number;
  lag: number;
}

export class ProjectionRunner {
  private workers = new Map<string, ProjectionWorker>();
  private checkpoints = new Map<string, number>();
  private initialised = false;
  private indexesEnsured = false;
  private queue: Promise<unknown> = Promise.resolve();
  private subscription?: { close(): Promise<void> };
  private scheduled?: NodeJS.Timeout;
  lastError?: Error;

  constructor(
    readonly store: EventStore,
    readonly db: ReadModel,
    readonly projections: readonly Projection[] = PROJECTIONS,
    /** One lease per projection name when several instances share the read model (see the header). */
    readonly leases?: LeaseGroup,
    private readonly options: RunnerOptions = {},
  ) {}

  private leaseTimer?: NodeJS.Timeout;

  /** The projections this instance feeds: all of them, or those whose lease it holds (taken or renewed now). */
  private async takeLeases(): Promise<Projection[]> {
    if (!this.leases) return [...this.projections];
    const { held, gained } = await this.leases.take(this.projections.map((projection) => projection.name));
    if (gained.length > 0) {
      // another instance may have fed these meanwhile: their checkpoints and in-memory state are stale
      const stored = await this.readCheckpoints();
      for (const name of gained) {
        this.checkpoints.set(name, stored.get(name) ?? 0);
        this.workers.delete(name);
      }
    }
    for (const projection of this.projections) if (!held.has(projection.name)) this.workers.delete(projection.name);
    return this.projections.filter((projection) => held.has(projection.name));
  }

  private feeds(projection: Projection): boolean {
    return !this.leases || this.leases.holds(projection.name);
  }

  /** Read your writes on an instance that does not feed some projections: wait for their feeder (or take over). */
  private async awaitOtherFeeders(until: number, options: CatchUpOptions, deadline = Date.now() + FEEDER_WAIT_MS): Promise<void> {
    for (;;) {
      const others = this.projections.filter((projection) => !this.feeds(projection));
      if (others.length === 0) return;
      const stored = await this.readCheckpoints();
      for (const projection of others) this.checkpoints.set(projection.name, stored.get(projection.name) ?? 0);
      if (others.every((projection) => (stored.get(projection.name) ?? 0) >= until)) return;
      if (Date.now() > deadline) {
        throw new Error(`projections ${others.map((projection) => projection.name).join(', ')} are fed by another instance, which has not reached position ${until} within ${FEEDER_WAIT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = new Set(others.map((projection) => projection.name));
      const fed = await this.takeLeases();
      if (fed.some((projection) => before.has(projection.name))) {
        // the feeder stopped and its lease came to us: catch those up here
        await this.catchUpUnlocked({ ...options, until });
        return;
      }
    }
  }

  /** Where each projection's tables and checkpoint are: its own file on SQLite (ReadModel.part), else `db`. */
  private readonly parts = new Map<string, ReadModel>();

  private dbOf(projection: Projection): ReadModel {
    return this.parts.get(projection.name) ?? this.db;
  }

  /** The projections grouped by the read model (file) their tables are in. */
  private byDb(projections: readonly Projection[]): Map<ReadModel, Projection[]> {
    const groups = new Map<ReadModel, Projection[]>();
    for (const projection of projections) {
      const db = this.dbOf(projection);
      groups.set(db, [...(groups.get(db) ?? []), projection]);
    }
    return groups;
  }

  /** One thing at a time on the read model: catch-ups, rebuilds and follow-ups queue behind each other. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    for (const projection of this.projections) this.parts.set(projection.name, await this.db.part(projection.name, projection.tables));
    // each read model holds the checkpoints and shapes of its projections (and `db` reads them all)
    for (const db of this.byDb(this.projections).keys()) await db.createTables([CHECKPOINT_TABLE, SCHEMA_TABLE], false);
    const existing = await this.readCheckpoints();
    // A projection whose tables changed shape since they were filled (a new version of Fundtrail) is dropped and
    // caught up from position 0, like a new projection: CREATE TABLE IF NOT EXISTS alone would keep the old shape.
    const fingerprints = new Map(
      (await this.db.all<{ name: string; fingerprint: string }>('SELECT name, fingerprint FROM {pj_schema}')).map((row) => [row.name, row.fingerprint]),
    );
    for (const projection of this.projections) {
      const fingerprint = fingerprintOf(projection);
      if (fingerprints.get(projection.name) === fingerprint) continue;
      const db = this.dbOf(projection);
      if (existing.has(projection.name) || fingerprints.has(projection.name)) {
        await db.dropTables(projection.tables);
        existing.delete(projection.name);
      }
      await db.commit((batch) => {
        batch.run('DELETE FROM {pj_checkpoint} WHERE name = ?', [projection.name]);
        batch.upsert(SCHEMA_TABLE, [{ name: projection.name, fingerprint }]);
      });
    }
    for (const projection of this.projections) {
      // tables of a projection that has a checkpoint exist already; a new one gets its tables (indexes follow the catch-up)
      await this.dbOf(projection).createTables(projection.tables, false);
      await this.dbOf(projection).createIndexes(projection.tables, true);
      this.checkpoints.set(projection.name, existing.get(projection.name) ?? 0);
    }
    this.initialised = true;
  }

  private async readCheckpoints(): Promise<Map<string, number>> {
    const rows = await this.db.all<{ name: string; position: number }>('SELECT name, position FROM {pj_checkpoint}');
    return new Map(rows.map((row) => [row.name, Number(row.position)]));
  }

  async positions(): Promise<Map<string, number>> {
    return this.exclusive(async () => {
      await this.init();
      return new Map(this.checkpoints);
    });
  }

  async lag(): Promise<ProjectionLag[]> {
    const positions = await this.positions();
    const headPosition = await this.store.headPosition();
    return this.projections.map((projection) => {
      const position = positions.get(projection.name) ?? 0;
      return { name: projection.name, position, headPosition, lag: Math.max(0, headPosition - position) };
    });
  }

  /** Brings every projection up to the head (or `until`). Returns the events read and the seconds it took. */
  catchUp(options: CatchUpOptions = {}): Promise<{ events: number; seconds: number }> {
    return this.exclusive(() => this.catchUpUnlocked(options));
  }

  private async catchUpUnlocked(options: CatchUpOptions): Promise<{ events: number; seconds: number }> {
    const started = process.hrtime.bigint();
    await this.init();
    const fed = await this.takeLeases();
    const head = await this.store.headPosition();
    const until = Math.min(options.until ?? head, head);
    const checkpointOf = (projection: Projection) => this.checkpoints.get(projection.name) ?? 0;
    const start = Math.min(...fed.map(checkpointOf), until);
    const total = Math.max(0, until - start);
    const batchSize = Math.max(1, options.batchSize ?? (total >= LARGE_CATCH_UP ? REBUILD_BATCH_SIZE : BATCH_SIZE_DEFAULT));
    const pageSize = Math.max(1, Math.min(options.pageSize ?? READ_BATCH_MAX, READ_BATCH_MAX));
    // the projections caught up by worker threads (none for a short catch-up); this thread feeds the others
    const plan = this.threadPlan(fed, until, options);
    const onThreads = new Set(plan?.groups.flat());
    for (const projection of onThreads) {
      this.elsewhere.add(projection.name);
      this.workers.delete(projection.name); // its state in memory would be stale once the thread has fed it
    }
    const here = fed.filter((projection) => !onThreads.has(projection));
    let from = Math.min(...here.map(checkpointOf), until);
    // what is committed up to where, on this thread ('') and on each catch-up thread: reported once all have it
    const committed = new Map<string, number>([['', from]]);
    let reported = start;
    const commitReached = (group: string, position: number) => {
      committed.set(group, position);
      const everywhere = Math.min(...committed.values());
      if (everywhere <= reported) return;
      reported = everywhere;
      options.onBatchCommitted?.(everywhere);
      options.onProgress?.(Math.min(total, everywhere - start), total);
    };
    const threads = plan?.groups.map((group, index) => {
      const name = `thread ${index + 1}`;
      committed.set(name, Math.min(...group.map(checkpointOf)));
      return new CatchUpThread(plan.script, { ...plan.data, projections: group.map((projection) => projection.name) }, (position) => commitReached(name, position), plan.heapMb);
    });
    let read = 0;
    // Events are read and folded a store page at a time (at most READ_BATCH_MAX), and committed every `batchSize`
    // events: a page's events die young (the fold keeps only the rows it changed), while the transaction spans
    // several pages. The checkpoint advances only with a commit, so a crash still loses exactly the uncommitted pages.
    let folded = 0;
    let foldedUntil = from;
    const restoreSettings = total >= LARGE_CATCH_UP ? [...this.byDb(here).keys()].map((db) => db.settingsForLongCatchUp()) : [];
    // One batch may be on its way to the read model while the next is read and folded: on PostgreSQL the server
    // writes it (in its own process, on the other core) while this thread works on; a SQLite commit is synchronous,
    // so there it has landed before `handOver` returns. Reported (onBatchCommitted, onProgress) once committed.
    let inFlight: Promise<void> | undefined;
    // a catch-up longer than a lease's lifetime (a rebuild of a big history) keeps its leases, those of the
    // projections on threads included: without renewal the fence of the first batch after it expired failed the
    // whole catch-up (SQLite's leases last 15 s)
    let renewedAt = Date.now();
    const keepLeases = async (names: string[]) => {
      const renewEveryMs = this.leases?.renewEveryMs;
      if (renewEveryMs === undefined || Date.now() - renewedAt < renewEveryMs) return;
      const lost = await this.leases!.renew(names);
      if (lost.length > 0) throw new Error(`投影 ${lost.join(', ')} 的租约已过期或被其他实例取得 / the lease of projection ${lost.join(', ')} expired or was taken by another instance during a catch-up`);
      renewedAt = Date.now();
    };
    // Only the event types the fed projections fold, when each says which (Projection.handles): the store skips the
    // others unparsed. A short page then means nothing more of those types up to the head read above, so the
    // checkpoints move to `until` even when the events after the last one folded are all of other types.
    const types = options.filter ? undefined : typesOf(here);
    try {
      while (from < until) {
        const limit = Math.min(pageSize, batchSize - folded, until - foldedUntil);
        const page = await readPage(this.store, foldedUntil, limit, options.filter !== undefined, types);
        const events = page.length > 0 && page[page.length - 1].position > until ? page.filter((event) => event.position <= until) : page;
        if (events.length > 0) {
          foldedUntil = events[events.length - 1].position;
          await this.fold(events, foldedUntil, options.filter);
          folded += events.length;
        }
        const done = events.length === 0 || foldedUntil >= until || (types !== undefined && page.length < limit);
        if (done && types !== undefined && foldedUntil < until) {
          foldedUntil = until;
          await this.joinFolding(until);
        }
        if (folded >= batchSize || (done && this.folding.length > 0)) {
          if (inFlight) await inFlight;
          const failed = threads?.find((thread) => thread.failed)?.failed;
          if (failed) throw failed;
          await keepLeases([...this.folding.map(({ projection }) => projection.name), ...this.elsewhere]);
          const position = foldedUntil;
          inFlight = this.handOver(position).then(() => commitReached('', position));
          inFlight.catch(() => undefined); // awaited before the next hand-over, or below
          read += folded;
          folded = 0;
          from = foldedUntil;
        }
        if (done) break;
      }
      if (inFlight) await inFlight;
      if (threads) {
        commitReached('', until);
        // wait for the threads, renewing the leases of their projections meanwhile
        const all = Promise.all(threads.map((thread) => thread.finished));
        for (let finished = false; !finished; ) {
          finished = await Promise.race([all.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), this.leases?.renewEveryMs ?? 1_000).unref())]);
          if (!finished) await keepLeases([...this.elsewhere]);
        }
        for (const events of await all) read += events;
        for (const name of this.elsewhere) this.checkpoints.set(name, until);
      }
    } catch (error) {
      if (inFlight) await inFlight.catch(() => undefined);
      if (threads) await Promise.all(threads.map((thread) => thread.stop()));
      // the in-memory state of the workers may be half-way through a batch, or past a batch that failed to commit:
      // forget it, reload checkpoints and state from the tables
      this.workers.clear();
      this.folding = [];
      const stored = await this.readCheckpoints().catch(() => undefined);
      if (stored) for (const projection of fed) this.checkpoints.set(projection.name, stored.get(projection.name) ?? 0);
      this.lastError = error as Error;
      throw error;
    } finally {
      for (const restore of restoreSettings) restore();
      this.elsewhere.clear();
    }
    if (this.leases) await this.awaitOtherFeeders(until, options);
    if (!this.indexesEnsured) {
      // the threads made their projections' indexes (in parallel with this thread's work)
      for (const [db, projections] of this.byDb(this.projections.filter((projection) => !onThreads.has(projection)))) {
        await db.createIndexes([CHECKPOINT_TABLE, ...projections.flatMap((projection) => projection.tables)]);
      }
      this.indexesEnsured = true;
    }
    this.lastError = undefined;
    return { events: read, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }

  /** The projections a catch-up thread feeds during the current catch-up (this thread leaves them alone). */
  private readonly elsewhere = new Set<string>();

  /**
   * Which fed projections go to catch-up threads (threads.ts): every one at least `minEvents` behind (but the first,
   * when there are fewer threads than those), when the store and the read model can be opened again from another
   * thread. Undefined when everything stays on this thread.
   */
  private threadPlan(fed: Projection[], until: number, options: CatchUpOptions): { script: string; data: Omit<CatchUpThreadData, 'projections'>; groups: Projection[][]; heapMb: number } | undefined {
    // first what a live follow-up decides at once (nothing is far behind), before any look at the files or the machine
    const threadOptions = this.options.threads ?? {};
    const minEvents = threadOptions.minEvents ?? THREADS_FROM_EVENTS;
    // only projections a thread can find by name (the registry's), each a long way behind
    const long = fed.filter((projection) => PROJECTIONS.includes(projection) && until - (this.checkpoints.get(projection.name) ?? 0) >= minEvents);
    if (long.length === 0 || options.filter) return undefined;
    const max = threadCount(threadOptions);
    const script = threadScript(threadOptions);
    const store = this.store.config;
    const readModel = this.db.config;
    const lent = this.leases?.lend();
    if (max < 1 || !script || !store || !readModel || (this.leases && !lent)) return undefined;
    // each on a thread of its own when there are threads enough (this thread then only coordinates); else the first stays here
    const away = max >= long.length ? long : long.slice(1);
    const groups: Projection[][] = [];
    away.forEach((projection, index) => (groups[index % max] ??= []).push(projection));
    const data = {
      store,
      readModel,
      until,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(lent ? { leases: lent } : {}),
    };
    return { script, data, groups, heapMb: threadHeapMb(threadOptions) };
  }

  private async workerFor(projection: Projection): Promise<ProjectionWorker> {
    let worker = this.workers.get(projection.name);
    if (!worker) {
      const fresh = (this.checkpoints.get(projection.name) ?? 0) === 0;
      worker = await projection.open(this.dbOf(projection), { fresh });
      this.workers.set(projection.name, worker);
    }
    return worker;
  }

  /** The projections folding the current (uncommitted) batch: those whose checkpoint is before its events. */
  private folding: Array<{ projection: Projection; worker: ProjectionWorker; after: number }> = [];

  /** Adds to the current batch every projection this instance feeds whose checkpoint is before `last`. */
  private async joinFolding(last: number): Promise<void> {
    for (const projection of this.projections) {
      if (!this.feeds(projection) || this.elsewhere.has(projection.name)) continue;
      const after = this.checkpoints.get(projection.name) ?? 0;
      if (after >= last || this.folding.some((entry) => entry.projection === projection)) continue;
      this.folding.push({ projection, worker: await this.workerFor(projection), after });
    }
  }

  /** Folds one page of events into the workers (in memory; nothing is written before `handOver`). */
  private async fold(events: ProjectionEvent[], last: number, filter?: (event: RecordedEvent) => boolean): Promise<void> {
    await this.joinFolding(last);
    // with a filter the page came from readAll (whole events: the filter may look at any field)
    const kept = filter ? (events as RecordedEvent[]).filter(filter) : events;
    const first = events[0].position;
    for (const { worker, after } of this.folding) await worker.prepare(after < first ? kept : kept.filter((event) => event.position > after));
    for (const event of kept) {
      for (const { worker, after } of this.folding) if (event.position > after) worker.apply(event);
    }
  }

  /**
   * Writes what the workers changed and their checkpoints (at `last`) in one transaction. The rows are taken from
   * the workers before this returns, and the workers are told their batch is handed over (they clear what they
   * collected), so the next batch can be folded while this one commits; the promise settles with the commit.
   */
  private handOver(last: number): Promise<void> {
    const active = this.folding;
    this.folding = [];
    const now = new Date().toISOString();
    // one transaction per read model (on SQLite, per projection's file), each with the checkpoints of its projections
    const commits = [...this.byDb(active.map(({ projection }) => projection))].map(([db, projections]) => {
      const mine = active.filter(({ projection }) => projections.includes(projection));
      // fails (and rolls the batch back) if another instance took the lease of one of these projections meanwhile
      const fences = this.leases ? mine.map(({ projection }) => this.leases!.fence(projection.name)) : [];
      return db.commit((batch) => {
        // fails if another writer moved a checkpoint since this one read it: a batch lands only on the checkpoint it
        // was folded from, whatever the leases did meanwhile (on SQLite they are in another file than the batch)
        for (const { projection, after } of mine) batch.run(checkpointGuardSql(db.kind), [projection.name, after]);
        for (const { worker } of mine) worker.flush(batch);
        batch.upsert(
          CHECKPOINT_TABLE,
          mine.map(({ projection }) => ({ name: projection.name, position: last, updated_at: now })),
        );
      }, fences).catch(async (error: unknown) => {
        // the guard's own error says nothing (malformed JSON, division by zero): say which checkpoint moved
        const stored = await this.readCheckpoints().catch(() => undefined);
        const moved = mine.filter(({ projection, after }) => stored && (stored.get(projection.name) ?? 0) !== after);
        if (moved.length === 0) throw error;
        const what = moved.map(({ projection, after }) => `${projection.name} ${after} → ${stored!.get(projection.name) ?? 0}`).join(', ');
        throw new Error(`投影的检查点已被另一写入者移动，本批已回滚 / ${CHECKPOINT_MOVED_MESSAGE} (${what}): another writer committed these events first; this batch was rolled back`);
      });
    });
    for (const { projection, worker } of active) {
      worker.handedOver();
      this.checkpoints.set(projection.name, last);
    }
    return Promise.all(commits).then(() => undefined);
  }

  /**
   * Drops the named projections (all by default) and refills them from the log. Secondary indexes are dropped
   * first and created once at the end: building an index once is cheaper than maintaining it row by row.
   */
  rebuild(names?: string[], options: CatchUpOptions = {}): Promise<{ events: number; seconds: number }> {
    return this.exclusive(async () => {
      const started = process.hrtime.bigint();
      await this.init();
      const chosen = names && names.length > 0 ? this.projections.filter((projection) => names.includes(projection.name)) : this.projections;
      await this.takeLeases();
      const notOurs = chosen.filter((projection) => !this.feeds(projection));
      if (notOurs.length > 0) throw new Error(`cannot rebuild ${notOurs.map((projection) => projection.name).join(', ')}: another instance feeds it now (its lease)`);
      for (const [db, projections] of this.byDb(chosen)) {
        const tables = projections.flatMap((projection) => projection.tables);
        await db.dropTables(tables);
        await db.createTables(tables, false);
        await db.createIndexes(tables, true);
        await db.commit((batch) => {
          for (const projection of projections) batch.run('DELETE FROM {pj_checkpoint} WHERE name = ?', [projection.name]);
        });
      }
      forgetCachedHolders(this.db);
      for (const projection of chosen) {
        this.checkpoints.set(projection.name, 0);
        this.workers.delete(projection.name);
      }
      this.indexesEnsured = false;
      const result = await this.catchUpUnlocked(options);
      return { events: result.events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    });
  }

  /** Follows the store: every new event schedules a catch-up (coalesced: one batch for a burst of events). */
  async follow(onError: (error: Error) => void = () => undefined): Promise<void> {
    if (this.subscription) return;
    const head = await this.store.headPosition();
    this.subscription = this.store.subscribe({
      after: head,
      onEvent: () => this.schedule(onError),
      onError,
    });
    this.schedule(onError);
    // keep the leases renewed (as often as the lease asks: a third of its lifetime), and take over a projection whose
    // feeder stopped, even when no event comes (PostgreSQL's leases do not expire: checked at the default pace)
    if (this.leases) this.leaseTimer = setInterval(() => this.schedule(onError), this.leases.renewEveryMs ?? LEASE_TTL_MS_DEFAULT / 3).unref();
  }

  private schedule(onError: (error: Error) => void): void {
    if (this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      this.catchUp().catch((error: Error) => onError(error));
    }, 25);
  }

  async close(): Promise<void> {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
    await this.queue;
    await this.leases?.releaseAll();
  }
}

/**
 * One page of the log for the projections: the store's lean read (no hashes, only the business date of the
 * metadata) when it has one and no filter needs whole events, otherwise readAll.
 */
function readPage(store: EventStore, after: number, limit: number, whole: boolean, types?: readonly string[]): Promise<ProjectionEvent[]> {
  return whole ? store.readAll({ after, limit }) : readAllForProjection(store, { after, limit, ...(types ? { types } : {}) });
}

/** The event types the projections fold together, or undefined (every type) when one of them does not say. */
function typesOf(projections: readonly Projection[]): string[] | undefined {
  const types = new Set<string>();
  for (const projection of projections) {
    if (!projection.handles) return undefined;
    for (const type of projection.handles) types.add(type);
  }
  return [...types];
}

/** In the error of a batch rolled back because its projection's checkpoint was not where the batch was folded from. */
export const CHECKPOINT_MOVED_MESSAGE = 'fundtrail: checkpoint moved';

/**
 * A statement that fails unless projection `?`'s checkpoint is at position `?` (0: none yet), as the lease fences do:
 * SQLite's json() of a non-JSON text raises; PostgreSQL divides by zero (computed at run time, not when planning).
 */
function checkpointGuardSql(kind: 'sqlite' | 'postgres'): string {
  const holds = `coalesce((SELECT position FROM {pj_checkpoint} WHERE name = ?), 0) = ?`;
  return kind === 'sqlite' ? `SELECT CASE WHEN ${holds} THEN 1 ELSE json('${CHECKPOINT_MOVED_MESSAGE}') END` : `SELECT 1 / (CASE WHEN ${holds} THEN 1 ELSE 0 END)`;
}

/** The shape of a projection's tables (columns, keys, indexes): a change means its rows must be rebuilt. */
function fingerprintOf(projection: Projection): string {
  return createHash('sha256').update(JSON.stringify(projection.tables)).digest('hex').slice(0, 16);
}
