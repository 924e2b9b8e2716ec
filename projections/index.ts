/**
 * The projections, as the rest of Fundtrail sees them:
 * - `ProjectionService`: the read model of a configuration, its runner (catch up, follow, lag, rebuild,
 *   verify) and the four queries; the runtime owns one (src/app/runtime.ts).
 * - `rebuildAll(store, dataSource)`: drop and refill every projection (the benchmark calls it).
 * - `QUERIES` / `runQuery`: each query at a given fund and cut, so that it can be timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../src/event-store/event-store.port';
import { LeaseGroup, PostgresLease, SqliteLease } from '../src/event-store/lease';
import { PROJECTIONS } from './registry';
import { ReadModel, type ReadModelConfig, entitySchemaOf, openReadModelDataSource, partFileOf } from './read-model';
import { type CatchUpOptions, ProjectionRunner } from './runner';
import { CHECKPOINT_TABLE, SCHEMA_TABLE } from './tables';
import { type Cut, QUERIES, type QueryName } from './queries';
import { type VerifyReport, verifyProjections } from './verify';

export { PROJECTIONS } from './registry';
export { ProjectionRunner, BATCH_SIZE_DEFAULT } from './runner';
export { ReadModel, openReadModelDataSource } from './read-model';
export type { ReadModelConfig } from './read-model';
export { QUERIES, FundNotFoundError, balancesQuery, dwellQuery, executionQuery, heldUpQuery } from './queries';
export type { Cut, QueryName, ExecutionBase } from './queries';
export type { VerifyReport } from './verify';

/** Every table of every projection as a TypeORM EntitySchema, for a DataSource made elsewhere. */
export const PROJECTION_ENTITIES = [CHECKPOINT_TABLE, SCHEMA_TABLE, ...PROJECTIONS.flatMap((projection) => projection.tables)].map(entitySchemaOf);

/** The files of a SQLite read model: the base file and each projection's own (ReadModel.part), for removing or copying. */
export function readModelFiles(filename: string): string[] {
  return [filename, ...PROJECTIONS.map((projection) => partFileOf(filename, projection.name))];
}

/** Drops every projection and refills it from the whole log. */
export async function rebuildAll(
  store: EventStore,
  dataSource: DataSource,
  options: { onProgress?(done: number, total: number): void; batchSize?: number; until?: number } = {},
): Promise<{ events: number; seconds: number }> {
  const runner = new ProjectionRunner(store, new ReadModel(dataSource));
  try {
    return await runner.rebuild(undefined, options);
  } finally {
    await runner.close();
  }
}

/** One ReadModel per DataSource for runQuery, so that its prepared statements are reused between calls. */
const readModels = new WeakMap<DataSource, ReadModel>();

/** Runs one query at a fund and cut (for timing). */
export function runQuery(name: QueryName, dataSource: DataSource | ReadModel, fundId: string, cut: Cut = {}): Promise<unknown> {
  let db: ReadModel | undefined = dataSource instanceof ReadModel ? dataSource : readModels.get(dataSource);
  if (!db) readModels.set(dataSource as DataSource, (db = new ReadModel(dataSource as DataSource)));
  return QUERIES[name](db, fundId, cut);
}

/** The read model of one configuration, its runner and its queries. Opens the database lazily, on first use. */
export class ProjectionService {
  private opened?: Promise<{ dataSource: DataSource; db: ReadModel; runner: ProjectionRunner; leases: LeaseGroup }>;
  private following = false;

  constructor(
    readonly store: EventStore,
    readonly config: ReadModelConfig,
  ) {}

  private open() {
    this.opened ??= (async () => {
      const dataSource = await openReadModelDataSource(this.config, PROJECTION_ENTITIES);
      const db = new ReadModel(dataSource);
      // several app instances may share this read model: each projection is fed by one of them at a time
      const leases = projectionLeases(this.config, db);
      return { dataSource, db, runner: new ProjectionRunner(this.store, db, PROJECTIONS, leases), leases };
    })();
    return this.opened;
  }

  async runner(): Promise<ProjectionRunner> {
    return (await this.open()).runner;
  }

  async db(): Promise<ReadModel> {
    return (await this.open()).db;
  }

  catchUp(options: CatchUpOptions = {}) {
    return this.runner().then((runner) => runner.catchUp(options));
  }

  /** Catches up now, then follows the store (the HTTP server). */
  async start(onError: (error: Error) => void = () => undefined): Promise<void> {
    if (this.following) return;
    this.following = true;
    const runner = await this.runner();
    await runner.follow(onError);
  }

  async lag() {
    const runner = await this.runner();
    return { projections: await runner.lag(), lastError: runner.lastError?.message ?? null };
  }

  rebuild(names?: string[], options: CatchUpOptions = {}) {
    return this.runner().then((runner) => runner.rebuild(names, options));
  }

  /** Runs a query on a read model that has caught up with the store first (read your writes). */
  async query(name: QueryName, fundId: string, cut: Cut = {}): Promise<unknown> {
    const { runner, db } = await this.open();
    await runner.catchUp();
    return QUERIES[name](db, fundId, cut);
  }

  /** Rebuilds into a shadow copy and compares it with the live read model. */
  async verify(options: { onProgress?(done: number, total: number): void } = {}): Promise<VerifyReport> {
    const { runner } = await this.open();
    let shadowConfig: ReadModelConfig;
    let cleanup: () => void = () => undefined;
    if (this.config.kind === 'sqlite') {
      const directory = mkdtempSync(join(tmpdir(), 'fundtrail-verify-'));
      shadowConfig = { kind: 'sqlite', filename: join(directory, 'shadow.db') };
      cleanup = () => rmSync(directory, { recursive: true, force: true });
    } else {
      shadowConfig = { kind: 'postgres', url: this.config.url, schema: `${this.config.schema ?? 'fundtrail_read'}_verify` };
    }
    const shadowSource = await openReadModelDataSource(shadowConfig, PROJECTION_ENTITIES);
    try {
      return await verifyProjections(this.store, runner, new ReadModel(shadowSource), options);
    } finally {
      if (shadowConfig.kind === 'postgres') await shadowSource.query(`DROP SCHEMA IF EXISTS "${shadowConfig.schema}" CASCADE`);
      await shadowSource.destroy();
      cleanup();
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    const { runner, dataSource, leases } = await this.opened;
    await runner.close();
    await leases.lease.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    this.opened = undefined;
  }
}

/** SQLite: lease rows in the read-model file; PostgreSQL: advisory locks, named after the read-model schema. */
function projectionLeases(config: ReadModelConfig, db: ReadModel): LeaseGroup {
  if (config.kind === 'sqlite') return new LeaseGroup(new SqliteLease(db.sqlite), 'projection:');
  return new LeaseGroup(new PostgresLease({ connectionString: config.url }), `projection:${config.schema ?? 'fundtrail_read'}:`);
}
