/**
 * Proves `fundtrail store copy`: a whole history moves between adapters with ids, order, dates, hashes and
 * idempotency records kept (SQLite → PostgreSQL → SQLite round trip of the demo fund ends byte-for-byte where it
 * started, and a ledger on the copy refuses to load the demo twice); an interrupted copy (stopped by --limit, in
 * the middle of a command, or a CLI process killed with SIGKILL) resumes to a verified whole; a target that is
 * not a prefix of the source is refused; a hash difference stops the copy at that event; and EventStoreDB (the
 * in-process fake gRPC server) is a target and a source like the others.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo } from '../../src/app/demo-loader';
import { createEventStore } from '../../src/event-store/create-event-store';
import { type EventStore, ImportChainError } from '../../src/event-store/event-store.port';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { copyStore, parseStoreUrl, StoreCopyError, verifyCopy } from '../../src/event-store/store-copy';
import { Ledger } from '../../src/ledger/ledger';
import { uuidFromName } from '../../src/shared/ids';
import { FakeEsdbServer } from '../support/fake-esdb';
import { assertLedgerInvariants } from '../support/invariants';
import { dropPostgresSchema, freshSchemaName, storeSnapshot, TEST_POSTGRES_URL } from '../support/test-app';

const CLI = join(__dirname, '../../dist/src/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'fundtrail-store-copy-'));
const schemas: string[] = [];
let demoFile: string;
let demoSnapshot: string;
let demoEvents: number;

function postgresUrl(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

function freshPostgres(): string {
  const schema = freshSchemaName('ft_copy');
  schemas.push(schema);
  return postgresUrl(schema);
}

let files = 0;
function freshSqlite(): string {
  files += 1;
  return `sqlite://${join(directory, `copy-${files}.db`)}`;
}

async function open(url: string): Promise<EventStore> {
  return createEventStore(parseStoreUrl(url));
}

async function withStores<T>(urls: string[], work: (...stores: EventStore[]) => Promise<T>): Promise<T> {
  const stores: EventStore[] = [];
  try {
    for (const url of urls) stores.push(await open(url));
    return await work(...stores);
  } finally {
    for (const store of stores) await store.close();
  }
}

beforeAll(async () => {
  demoFile = join(directory, 'demo.db');
  const store = new SqliteEventStore({ filename: demoFile });
  await loadDemo(new Ledger(store));
  demoSnapshot = await storeSnapshot(store);
  demoEvents = await store.headPosition();
  await store.close();
}, 120_000);

afterAll(async () => {
  for (const schema of schemas) await dropPostgresSchema(schema);
  rmSync(directory, { recursive: true, force: true });
});

describe('store URLs', () => {
  it('name SQLite files, PostgreSQL schemas and EventStoreDB servers', () => {
    expect(parseStoreUrl('sqlite:///var/lib/fundtrail/events.db')).toEqual({ kind: 'sqlite', filename: '/var/lib/fundtrail/events.db' });
    expect(parseStoreUrl('postgres://u:p@db:5432/ledger?schema=fundtrail&sslmode=disable')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u:p@db:5432/ledger?sslmode=disable',
      schema: 'fundtrail',
    });
    expect(parseStoreUrl('esdb://127.0.0.1:2113?tls=false')).toEqual({ kind: 'esdb', connectionString: 'esdb://127.0.0.1:2113?tls=false' });
    expect(() => parseStoreUrl('mysql://x')).toThrow(StoreCopyError);
    expect(() => parseStoreUrl('sqlite://')).toThrow(StoreCopyError);
  });
});

describe('store copy', () => {
  it('SQLite → PostgreSQL → SQLite: the demo fund comes back identical (positions, ids, hashes), verified at each step', async () => {
    const postgres = freshPostgres();
    const back = freshSqlite();
    await withStores([`sqlite://${demoFile}`, postgres, back], async (source, middle, target) => {
      const there = await copyStore(source, middle);
      expect(there).toMatchObject({ resumedAfter: 0, copied: demoEvents, complete: true });
      expect(there.verification).toMatchObject({ events: demoEvents });
      expect(there.verification!.idempotencyKeys).toBeGreaterThan(100);
      expect(await storeSnapshot(middle)).toBe(demoSnapshot); // PostgreSQL gives the same positions (1.., no gaps)
      const home = await copyStore(middle, target);
      expect(home).toMatchObject({ copied: demoEvents, complete: true, verification: { events: demoEvents } });
      expect(await storeSnapshot(target)).toBe(demoSnapshot);
      const firstSource = (await source.readAll({ limit: 3 })).map((event) => ({ ...event }));
      expect(await target.readAll({ limit: 3 })).toEqual(firstSource); // data, metadata (dates, actors) as written
      await assertLedgerInvariants(target);
      // the idempotency records came along: the demo loader on the copy finds every step already done
      expect((await loadDemo(new Ledger(middle))).events).toBe(0);
      expect((await loadDemo(new Ledger(target))).events).toBe(0);
      expect(await storeSnapshot(target)).toBe(demoSnapshot);
    });
  }, 120_000);

  it('resumes after being stopped (--limit), even in the middle of a command, and ends verified', async () => {
    const target = freshPostgres();
    await withStores([`sqlite://${demoFile}`, target], async (source, copy) => {
      // find a command of several events and stop inside it
      const events = await source.readAll({ limit: 2_000 });
      const split = events.findIndex((event, index) => index > 50 && event.metadata.idempotencyKey !== undefined && events[index + 1]?.metadata.idempotencyKey === event.metadata.idempotencyKey);
      expect(split).toBeGreaterThan(0);
      const first = await copyStore(source, copy, { limit: split + 1, batchSize: 64 });
      expect(first).toMatchObject({ copied: split + 1, complete: false, lastSourcePosition: events[split].position });
      expect(first.verification).toBeUndefined();
      const second = await copyStore(source, copy, { limit: 97, batchSize: 64 });
      expect(second).toMatchObject({ resumedAfter: events[split].position, alreadyInTarget: split + 1, copied: 97, complete: false });
      const rest = await copyStore(source, copy, { batchSize: 64 });
      expect(rest.copied).toBe(demoEvents - split - 1 - 97);
      expect(rest.complete).toBe(true);
      expect(rest.verification!.events).toBe(demoEvents);
      expect(await storeSnapshot(copy)).toBe(demoSnapshot);
      // nothing left: a further run copies nothing and verifies again
      expect(await copyStore(source, copy)).toMatchObject({ copied: 0, complete: true, verification: { events: demoEvents } });
    });
  }, 120_000);

  it('refuses a target that is not an interrupted copy of the source, and stops at the first hash difference', async () => {
    const other = freshSqlite();
    const tampered = join(directory, 'tampered.db');
    await withStores([`sqlite://${demoFile}`, other], async (source, unrelated) => {
      await unrelated.append('something-else', [{ eventId: '6f1d1c4e-0000-4000-8000-000000000001', type: 'X', data: {}, metadata: { actor: { id: 'x', role: 'x' }, occurredAt: '2022-01-01', recordedAt: '2022-01-01T00:00:00Z', correlationId: 'c', causationId: 'c', schemaVersion: 1 } }], { expectedVersion: 'no-stream' });
      await expect(copyStore(source, unrelated)).rejects.toThrow(/not an interrupted copy/);
    });
    // a source whose 41st event was altered after it was written: its stored hash no longer matches its content
    copyFileSync(demoFile, tampered);
    const raw = new SqliteEventStore({ filename: tampered });
    raw.db.prepare("UPDATE events SET data = json_set(data, '$.tampered', 1) WHERE position = 41").run();
    await raw.close();
    const target = freshSqlite();
    await withStores([`sqlite://${tampered}`, target], async (source, copy) => {
      const error = await copyStore(source, copy).catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(StoreCopyError);
      expect((error as Error).message).toMatch(/hash mismatch at source position 41/);
      expect(await copy.headPosition()).toBe(40); // everything before it, nothing after
    });
  }, 120_000);

  it('a CLI copy killed with SIGKILL resumes on the next run and verifies the whole', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.json\` (npm test does) first`);
    // a larger history than the demo (6,000 events over 600 streams), so that the kill lands in the middle
    const sourceFile = join(directory, 'larger.db');
    const larger = new SqliteEventStore({ filename: sourceFile });
    const EVENTS_PER_APPEND = 10;
    for (let stream = 0; stream < 600; stream++) {
      await larger.append(`fund-synthetic-${stream}`, Array.from({ length: EVENTS_PER_APPEND }, (_, index) => ({
        eventId: uuidFromName(`synthetic/${stream}/${index}`),
        type: 'TransferSent',
        data: { transferId: `t-${stream}-${index}`, amount_fen: 1_000 + index, note: '拨付至旗县区财政局' },
        metadata: { actor: { id: 'u-1', role: 'finance-officer' }, occurredAt: '2022-06-30', recordedAt: '2022-06-30T08:00:00.000Z', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
      })), { expectedVersion: 'no-stream' });
    }
    const sourceSnapshot = await storeSnapshot(larger);
    const sourceEvents = await larger.headPosition();
    await larger.close();
    const target = freshPostgres();
    const args = ['store', 'copy', '--from', `sqlite://${sourceFile}`, '--to', target, '--batch-size', '10'];
    const watcher = await open(target); // creates the schema; the child's open finds it
    const killed = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let polling = true;
      const poll = async () => {
        while (polling) {
          if ((await watcher.headPosition()) > 500) {
            child.kill('SIGKILL');
            return;
          }
          await new Promise((wait) => setTimeout(wait, 2));
        }
      };
      void poll();
      child.on('exit', (_code, signal) => {
        polling = false;
        resolve({ signal });
      });
    });
    await watcher.close();
    expect(killed.signal).toBe('SIGKILL');
    const interrupted = await withStores([target], (store) => store.headPosition());
    expect(interrupted).toBeGreaterThan(500);
    expect(interrupted).toBeLessThan(sourceEvents);
    expect(interrupted % 10).toBe(0); // whole batches only: each is one transaction
    const resumed = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect(resumed.stderr).toMatch(/copying/);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({ resumedAfter: interrupted, copied: sourceEvents - interrupted, complete: true, verification: { events: sourceEvents, streams: 600 } });
    await withStores([target], async (store) => expect(await storeSnapshot(store)).toBe(sourceSnapshot));
  }, 120_000);
});

describe('importEvents (the bulk path of store copy on SQLite and PostgreSQL targets)', () => {
  it.each(['sqlite', 'postgres'])('%s: an event that does not continue its stream in the target fails the whole batch, nothing written', async (kind) => {
    const url = kind === 'sqlite' ? freshSqlite() : freshPostgres();
    await withStores([`sqlite://${demoFile}`, url], async (source, target) => {
      const events = await source.readAll({ limit: 30 });
      await target.importEvents!(events.slice(0, 10), []);
      // skipping events 11..15: the first event of a stream that did continue is fine, a gap is not
      const error = await target.importEvents!(events.slice(15, 30), []).catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(ImportChainError);
      expect(await target.headPosition()).toBe(10);
      await target.importEvents!(events.slice(10, 30), []);
      expect(await target.headPosition()).toBe(30);
      expect(await storeSnapshot(target)).toBe(demoSnapshot.split('\n').slice(0, 30).join('\n'));
    });
  });
});

describe('store copy with EventStoreDB (the in-process fake gRPC server)', () => {
  let fake: FakeEsdbServer;
  beforeAll(async () => {
    fake = new FakeEsdbServer({ maxAppendSize: 8 * 1024 * 1024 });
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('SQLite → EventStoreDB → SQLite: ids, order, hashes and keys kept; EventStoreDB gives its own positions', async () => {
    const esdb = fake.connectionString;
    const back = freshSqlite();
    await withStores([`sqlite://${demoFile}`, esdb, back], async (source, middle, target) => {
      const there = await copyStore(source, middle, { limit: 100, batchSize: 30 });
      expect(there).toMatchObject({ copied: 100, complete: false });
      const rest = await copyStore(source, middle);
      expect(rest).toMatchObject({ copied: demoEvents - 100, complete: true, verification: { events: demoEvents } });
      expect(await verifyCopy(source, middle)).toMatchObject({ events: demoEvents });
      const home = await copyStore(middle, target);
      expect(home).toMatchObject({ copied: demoEvents, complete: true, verification: { events: demoEvents } });
      expect(await storeSnapshot(target)).toBe(demoSnapshot);
      expect((await loadDemo(new Ledger(middle))).events).toBe(0);
    });
  }, 180_000);
});
