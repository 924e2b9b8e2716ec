/**
 * The peers: Emmett's SQLite and PostgreSQL event stores, installed from npm into their own folders
 * (bench/peers/emmett-sqlite/, bench/peers/emmett-postgresql/: conflicting versions, not Fundtrail's
 * dependencies) and used as their documentation shows: `appendToStream` with an expected stream version, and
 * a projection of the same balances (per fund and holder) run by Emmett's own consumer / rebuild from the
 * beginning. Loaded with createRequire from those folders, so the root build needs none of them.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { type FundEvent, type FundState, type HolderRegistered, type LedgerEvent, HOLDERS_STREAM, decideFund, evolveFund, evolveRegistry, fundStreamId, initialFundState, initialRegistryState, movementsOf } from '../../src/domain';
import type { NewEvent } from '../../src/event-store/event-store.port';
import { ProgressBar } from '../../src/shared/progress';
import { type BenchConfig, type PhaseResult, historyName, historySqlName, removeSqlite } from '../phases';
import { syntheticHistory } from '../synthetic';
import { type WorkloadAppend, appendWorkload, commandWorkload, elapsed, rate, timedAppends } from './limits';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = resolve(__dirname, '..', '..', '..');
export const PEER_DIRS = { 'emmett-sqlite': join(ROOT, 'bench', 'peers', 'emmett-sqlite'), 'emmett-postgresql': join(ROOT, 'bench', 'peers', 'emmett-postgresql') };

function peerRequire(peer: keyof typeof PEER_DIRS): NodeRequire {
  return createRequire(join(PEER_DIRS[peer], 'package.json'));
}

/** The event types that move money (the others leave every balance as it is). */
const MONEY_TYPES = ['FundAppropriated', 'AllocationIssued', 'TransferSent', 'TransferReceived', 'PayoutMade', 'FundsReturned', 'EventReversed'];

/** (fund, holder, change in fen) of one event: the same balances as Fundtrail's fold. */
function balanceChanges(event: { type: string; data: unknown }): Array<[string, string, number]> {
  const fundId = (event.data as { fundId?: string }).fundId;
  if (!fundId) return [];
  const changes: Array<[string, string, number]> = [];
  for (const movement of movementsOf(event as LedgerEvent)) {
    if (movement.from.kind === 'holder') changes.push([fundId, movement.from.holderId, -movement.amountFen]);
    if (movement.to.kind === 'holder') changes.push([fundId, movement.to.holderId, movement.amountFen]);
  }
  return changes;
}

/**
 * Emmett SQLite 0.38.5 with sqlite3 5.1.7 fails now and then with "SQLITE_BUSY: cannot commit transaction - SQL
 * statements in progress": its UPDATE/INSERT … RETURNING goes through `db.get`, which leaves the statement
 * active until sqlite3 finalizes it, so the COMMIT right after can find it still running (a race; about one call
 * in 750 here). Nothing is written when it happens (the transaction rolls back), so the call is retried, at most
 * 5 times, and the retries are counted in the report. Emmett also console.logs every such error: silenced.
 */
async function withBusyRetry<T>(call: () => Promise<T>, counter: { retries: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 5) throw error;
      counter.retries++;
    }
  }
}

function silenceEmmettLogs(): void {
  console.log = () => undefined;
}

const toEmmett = (event: NewEvent) => ({ type: event.type, data: event.data, metadata: { ...event.metadata, eventId: event.eventId } });

/** Emmett's stream version is the count of events (1-based); ours is the last event's 0-based version. */
function expectedStreamVersion(emmett: any, expectedVersion: number): unknown {
  return expectedVersion === -1 ? emmett.STREAM_DOES_NOT_EXIST : BigInt(expectedVersion + 1);
}

// ------------------------------------------------------------------------------------------------
// Emmett SQLite 0.38.5 (sqlite3)

export const emmettSqliteFile = (config: BenchConfig) => join(config.dataDir, `emmett-sqlite-${historyName(config)}.sqlite`);

function sqliteModules() {
  const require = peerRequire('emmett-sqlite');
  return { emmett: require('@event-driven-io/emmett'), store: require('@event-driven-io/emmett-sqlite') };
}

/** The whole history into a fresh Emmett SQLite store, one appendToStream per generated append (one fund's day). */
export async function emmettSqliteLoad(config: BenchConfig): Promise<PhaseResult> {
  const { emmett, store: module } = sqliteModules();
  const file = emmettSqliteFile(config);
  const partial = `${file}.loading`;
  removeSqlite(partial);
  silenceEmmettLogs();
  const eventStore = module.getSQLiteEventStore({ fileName: partial });
  const bar = new ProgressBar('load emmett-sqlite');
  const counter = { retries: 0 };
  const started = process.hrtime.bigint();
  let events = 0;
  let calls = 0;
  for (const append of syntheticHistory({ events: config.events, seed: config.seed })) {
    await withBusyRetry(() => eventStore.appendToStream(append.streamId, append.events.map(toEmmett), { expectedStreamVersion: expectedStreamVersion(emmett, append.expectedVersion) }), counter);
    events += append.events.length;
    calls++;
    bar.update(events, config.events);
  }
  const seconds = elapsed(started);
  bar.done();
  await eventStore.close?.();
  removeSqlite(file);
  const { renameSync } = await import('node:fs');
  renameSync(partial, file);
  for (const suffix of ['-wal', '-shm']) if (existsSync(partial + suffix)) renameSync(partial + suffix, file + suffix);
  return { phase: 'load emmett-sqlite', ok: true, events, seconds, eventsPerSecond: rate(events, seconds), details: { calls, callsPerSecond: rate(calls, seconds), busyRetries: counter.retries } };
}

export async function emmettSqliteAppend(config: BenchConfig, mode: 'fund-day' | 'event', events: number, target: string, maxSeconds: number): Promise<PhaseResult> {
  const { emmett, store: module } = sqliteModules();
  const appends = appendWorkload(config, events, mode);
  removeSqlite(target);
  silenceEmmettLogs();
  const eventStore = module.getSQLiteEventStore({ fileName: target });
  const counter = { retries: 0 };
  try {
    const result = await timedAppends(appends, maxSeconds, (append: WorkloadAppend) =>
      withBusyRetry(() => eventStore.appendToStream(append.streamId, append.events.map(toEmmett), { expectedStreamVersion: expectedStreamVersion(emmett, append.expectedVersion) }), counter),
    );
    return {
      phase: `emmett-sqlite append ${mode}`,
      ok: true,
      events: result.events,
      seconds: result.seconds,
      eventsPerSecond: rate(result.events, result.seconds),
      details: { calls: result.calls, callsPerSecond: rate(result.calls, result.seconds), busyRetries: counter.retries },
    };
  } finally {
    await eventStore.close?.();
    removeSqlite(target);
  }
}

/**
 * The balances as an Emmett SQLite projection (a SQLiteProjectionDefinition: canHandle + handle writing with the
 * handler's connection), run from the beginning by the store's consumer with a fresh processor id, until the
 * last event or `maxSeconds`. Emmett's processor handles one event at a time and stores its checkpoint per event.
 */
export async function emmettSqliteRebuild(config: BenchConfig, maxSeconds: number): Promise<PhaseResult> {
  const { store: module } = sqliteModules();
  const fileName = emmettSqliteFile(config);
  silenceEmmettLogs();
  // the projection's table is reset outside the clock through better-sqlite3: with Emmett's own connection (sqlite3)
  // the DROP of a table an earlier run filled failed with SQLITE_LOCKED (seen in this session's runs)
  const setup = new Database(fileName);
  setup.exec('DROP TABLE IF EXISTS emmett_balances');
  setup.exec('CREATE TABLE emmett_balances (fund_id TEXT NOT NULL, holder_id TEXT NOT NULL, balance_fen INTEGER NOT NULL, PRIMARY KEY (fund_id, holder_id))');
  const head = Number((setup.prepare('SELECT MAX(global_position) AS head FROM emt_messages').get() as { head: number | null }).head ?? 0);
  setup.close();
  const eventStore = module.getSQLiteEventStore({ fileName });
  const projection = {
    name: 'balances',
    canHandle: MONEY_TYPES,
    handle: async (events: Array<{ type: string; data: unknown }>, context: { connection: any }) => {
      for (const event of events) {
        for (const [fundId, holderId, change] of balanceChanges(event)) {
          await context.connection.command(
            'INSERT INTO emmett_balances (fund_id, holder_id, balance_fen) VALUES (?, ?, ?) ON CONFLICT (fund_id, holder_id) DO UPDATE SET balance_fen = balance_fen + excluded.balance_fen',
            [fundId, holderId, change],
          );
        }
      }
    },
  };
  const bar = new ProgressBar('rebuild emmett-sqlite projection');
  let last = 0;
  const started = process.hrtime.bigint();
  const consumer = eventStore.consumer();
  consumer.processor({
    processorId: `balances-${Date.now()}`,
    projection,
    startFrom: 'BEGINNING',
    stopAfter: (message: { metadata: { globalPosition: bigint } }) => {
      last = Number(message.metadata.globalPosition);
      bar.update(last, head);
      return last >= head || elapsed(started) > maxSeconds;
    },
  });
  await consumer.start();
  const seconds = elapsed(started);
  bar.done();
  await consumer.close?.();
  const check = module.sqliteConnection({ fileName });
  const rows = Number((await check.querySingle('SELECT COUNT(*) AS n FROM emmett_balances'))?.n ?? 0);
  check.close();
  return { phase: 'emmett-sqlite rebuild', ok: true, events: last, seconds, eventsPerSecond: rate(last, seconds), details: { head, balanceRows: rows, stoppedEarly: last < head } };
}

export async function emmettSqliteHead(config: BenchConfig): Promise<number> {
  if (!existsSync(emmettSqliteFile(config))) return 0;
  const { store: module } = sqliteModules();
  const connection = module.sqliteConnection({ fileName: emmettSqliteFile(config) });
  try {
    return Number((await connection.querySingle('SELECT MAX(global_position) AS head FROM emt_messages'))?.head ?? 0);
  } catch {
    return 0;
  } finally {
    connection.close();
  }
}

// ------------------------------------------------------------------------------------------------
// Emmett PostgreSQL 0.42.0 (pg, dumbo, pongo)

/** Emmett keeps its tables in the connection's database (no schema option): one database per history. */
export function emmettDatabaseUrl(config: BenchConfig, database: string): string {
  const url = new URL(config.postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export const emmettHistoryDatabase = (config: BenchConfig) => `fundtrail_emmett_${historySqlName(config)}`;

function postgresModules() {
  const require = peerRequire('emmett-postgresql');
  return { emmett: require('@event-driven-io/emmett'), store: require('@event-driven-io/emmett-postgresql'), dumbo: require('@event-driven-io/dumbo') };
}

async function recreateDatabase(config: BenchConfig, database: string): Promise<void> {
  const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(config: BenchConfig, database: string): Promise<void> {
  const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function emmettPostgresLoad(config: BenchConfig): Promise<PhaseResult> {
  const { emmett, store: module } = postgresModules();
  const database = emmettHistoryDatabase(config);
  await recreateDatabase(config, `${database}_loading`);
  const eventStore = module.getPostgreSQLEventStore(emmettDatabaseUrl(config, `${database}_loading`));
  const bar = new ProgressBar('load emmett-postgresql');
  const started = process.hrtime.bigint();
  let events = 0;
  let calls = 0;
  for (const append of syntheticHistory({ events: config.events, seed: config.seed })) {
    await eventStore.appendToStream(append.streamId, append.events.map(toEmmett), { expectedStreamVersion: expectedStreamVersion(emmett, append.expectedVersion) });
    events += append.events.length;
    calls++;
    bar.update(events, config.events);
  }
  const seconds = elapsed(started);
  bar.done();
  await eventStore.close();
  const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`ALTER DATABASE "${database}_loading" RENAME TO "${database}"`);
  } finally {
    await admin.end();
  }
  return { phase: 'load emmett-postgresql', ok: true, events, seconds, eventsPerSecond: rate(events, seconds), details: { calls, callsPerSecond: rate(calls, seconds) } };
}

export async function emmettPostgresAppend(config: BenchConfig, mode: 'fund-day' | 'event', events: number, database: string, maxSeconds: number): Promise<PhaseResult> {
  const { emmett, store: module } = postgresModules();
  const appends = appendWorkload(config, events, mode);
  await recreateDatabase(config, database);
  const eventStore = module.getPostgreSQLEventStore(emmettDatabaseUrl(config, database));
  try {
    // the schema is created on first use: one append outside the clock
    await eventStore.appendToStream('warm-up', [{ type: 'WarmUp', data: {} }]);
    const result = await timedAppends(appends, maxSeconds, (append: WorkloadAppend) =>
      eventStore.appendToStream(append.streamId, append.events.map(toEmmett), { expectedStreamVersion: expectedStreamVersion(emmett, append.expectedVersion) }),
    );
    return { phase: `emmett-postgresql append ${mode}`, ok: true, events: result.events, seconds: result.seconds, eventsPerSecond: rate(result.events, result.seconds), details: { calls: result.calls, callsPerSecond: rate(result.calls, result.seconds) } };
  } finally {
    await eventStore.close();
    await dropDatabase(config, database);
  }
}

/**
 * The balances as an Emmett PostgreSQL projection (`postgreSQLRawBatchSQLProjection`: evolve a batch of events
 * into SQL statements), rebuilt with `rebuildPostgreSQLProjections` (truncate, then consume from the beginning
 * until no message is left), stopped after `maxSeconds`.
 */
export async function emmettPostgresRebuild(config: BenchConfig, maxSeconds: number): Promise<PhaseResult> {
  const { store: module, dumbo } = postgresModules();
  const connectionString = emmettDatabaseUrl(config, emmettHistoryDatabase(config));
  const setup = new Pool({ connectionString, max: 1 });
  await setup.query('DROP TABLE IF EXISTS emmett_balances');
  await setup.query('CREATE TABLE emmett_balances (fund_id text NOT NULL, holder_id text NOT NULL, balance_fen bigint NOT NULL, PRIMARY KEY (fund_id, holder_id))');
  // every run from the first event: rebuildPostgreSQLProjections resumed from the checkpoint an earlier run left
  // (a second run after a complete one read 0 events), so the projection's processor row is deleted first
  if ((await setup.query("SELECT to_regclass('emt_processors') AS t")).rows[0].t) await setup.query("DELETE FROM emt_processors WHERE processor_id LIKE '%balances%'");
  const head = Number((await setup.query('SELECT MAX(global_position) AS head FROM emt_messages')).rows[0].head ?? 0);
  await setup.end();
  const { SQL } = dumbo;
  const projection = module.postgreSQLRawBatchSQLProjection({
    name: 'balances',
    canHandle: MONEY_TYPES,
    evolve: (events: Array<{ type: string; data: unknown }>) =>
      events.flatMap((event) =>
        balanceChanges(event).map(
          ([fundId, holderId, change]) =>
            SQL`INSERT INTO emmett_balances (fund_id, holder_id, balance_fen) VALUES (${fundId}, ${holderId}, ${change}) ON CONFLICT (fund_id, holder_id) DO UPDATE SET balance_fen = emmett_balances.balance_fen + EXCLUDED.balance_fen`,
        ),
      ),
  });
  const bar = new ProgressBar('rebuild emmett-postgresql projection');
  let last = 0;
  const started = process.hrtime.bigint();
  const consumer = module.rebuildPostgreSQLProjections({
    connectionString,
    projections: [
      {
        projection,
        stopAfter: (message: { metadata: { globalPosition: bigint } }) => {
          last = Number(message.metadata.globalPosition);
          bar.update(last, head);
          return last >= head || elapsed(started) > maxSeconds;
        },
      },
    ],
  });
  const timer = setTimeout(() => void consumer.stop(), (maxSeconds + 30) * 1000);
  try {
    await consumer.start();
  } finally {
    clearTimeout(timer);
  }
  const seconds = elapsed(started);
  bar.done();
  await consumer.close?.();
  const check = new Pool({ connectionString, max: 1 });
  const rows = Number((await check.query('SELECT COUNT(*) AS n FROM emmett_balances')).rows[0].n);
  await check.end();
  return { phase: 'emmett-postgresql rebuild', ok: true, events: last, seconds, eventsPerSecond: rate(last, seconds), details: { head, balanceRows: rows, stoppedEarly: last < head } };
}

export async function emmettPostgresHead(config: BenchConfig): Promise<number> {
  const pool = new Pool({ connectionString: emmettDatabaseUrl(config, emmettHistoryDatabase(config)), max: 1 });
  try {
    return Number((await pool.query('SELECT MAX(global_position) AS head FROM emt_messages')).rows[0].head ?? 0);
  } catch {
    return 0;
  } finally {
    await pool.end();
  }
}

// ------------------------------------------------------------------------------------------------
// One command at a time: Emmett's CommandHandler against Fundtrail's Ledger, the same commands and decider

/**
 * The first `commands` fund commands of the history through Emmett's `CommandHandler` (its documented way to run a
 * command: read the stream and fold it with `evolve`, decide, append with the stream's expected version), deciding
 * with Fundtrail's own `decideFund`/`evolveFund`: the same work as `Ledger.executeFund` (bench/peers/limits.ts
 * ledgerAppend), with Emmett as the store and the command handling. The holders are appended before the clock and
 * kept in memory (the Ledger reads its holders stream again, from its cached version, on every command).
 * Each event carries the synthetic event id and business date in its metadata, which `evolve` reads back.
 */
export async function emmettCommands(config: BenchConfig, kind: 'sqlite' | 'postgres', commands: number, target: string, maxSeconds: number): Promise<PhaseResult> {
  const { emmett, store: module } = kind === 'sqlite' ? sqliteModules() : postgresModules();
  const { holders, queue } = commandWorkload(config, commands);
  if (kind === 'sqlite') {
    removeSqlite(target);
    silenceEmmettLogs();
  } else await recreateDatabase(config, target);
  const eventStore = kind === 'sqlite' ? module.getSQLiteEventStore({ fileName: target }) : module.getPostgreSQLEventStore(emmettDatabaseUrl(config, target));
  const counter = { retries: 0 };
  try {
    const registry = initialRegistryState();
    for (let index = 0; index < holders.length; index += 1_000) {
      const chunk = holders.slice(index, index + 1_000);
      await withBusyRetry(() => eventStore.appendToStream(HOLDERS_STREAM, chunk.map(toEmmett), { expectedStreamVersion: expectedStreamVersion(emmett, index - 1) }), counter);
      chunk.forEach((event, offset) => evolveRegistry(registry, event as unknown as HolderRegistered, index + offset));
    }
    const handle = emmett.CommandHandler({
      initialState: () => ({ state: undefined as FundState | undefined }),
      // the events come in stream order, with only the metadata they were appended with: the version is the next one
      evolve: (holder: { state?: FundState }, event: { type: string; data: unknown; metadata: { fundtrailEventId: string; occurredAt: string } }) => {
        const fundId = (event.data as { fundId: string }).fundId;
        const state = holder.state ?? initialFundState(fundId);
        evolveFund(state, { type: event.type, data: event.data } as FundEvent, event.metadata.fundtrailEventId, event.metadata.occurredAt, state.version + 1);
        return { state };
      },
    });
    const started = process.hrtime.bigint();
    let done = 0;
    let events = 0;
    for (const { fundId, command, events: count, ids } of queue) {
      await withBusyRetry(
        () =>
          handle(eventStore, fundStreamId(fundId), (holder: { state?: FundState }) =>
            decideFund(command, holder.state ?? initialFundState(fundId), { holders: registry.holders }).map((decided, index) => ({
              type: decided.event.type,
              data: decided.event.data,
              metadata: { fundtrailEventId: ids[index], occurredAt: decided.occurredAt },
            })),
          ),
        counter,
      );
      done++;
      events += count;
      if (done % 100 === 0 && elapsed(started) > maxSeconds) break;
    }
    const seconds = elapsed(started);
    return {
      phase: `emmett-${kind === 'sqlite' ? 'sqlite' : 'postgresql'} commands`,
      ok: true,
      events,
      seconds,
      eventsPerSecond: rate(events, seconds),
      details: { commands: done, commandsPerSecond: rate(done, seconds), busyRetries: counter.retries },
    };
  } finally {
    await eventStore.close?.();
    if (kind === 'sqlite') removeSqlite(target);
    else await dropDatabase(config, target);
  }
}
