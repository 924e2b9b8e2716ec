/**
 * Event store throughput: appends of 1 event and of 100 events, sequential and from concurrent writers,
 * and reading the whole log with readAll, for PostgreSQL (own schema, dropped afterwards) and SQLite side by side.
 * Events are about 300 bytes of fund-ledger data, like BASELINES.md.
 *
 *   npx tsc --outDir dist/bench-run --rootDir . --module commonjs --target ES2022 --esModuleInterop --skipLibCheck bench/store-throughput.ts
 *   node dist/bench-run/bench/store-throughput.js [postgres-url]
 * (or `npm run build` and `node dist/bench/store-throughput.js`)
 *
 * Beside the adapters it measures the engine's own floor on the same machine at the same moment (the machine is
 * shared, absolute figures drift): a bare `INSERT` of one jsonb row per transaction (BASELINES.md: 3,100/s), so
 * the adapter's single appends can be read as a fraction of it. Reads are measured three ways: readAll pages,
 * and readAllInBatches (the adapter's streamAll: a cursor on PostgreSQL, the statement iterator on SQLite).
 * ONLY=postgres or ONLY=sqlite runs one adapter.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { EventStore, NewEvent } from '../src/event-store/event-store.port';
import { PostgresEventStore } from '../src/event-store/postgres.event-store';
import { readAllInBatches } from '../src/event-store/read-all';
import { SqliteEventStore } from '../src/event-store/sqlite.event-store';

const SERVER_URL = process.argv[2] ?? process.env.FUNDTRAIL_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SINGLE_APPENDS = Number(process.env.SINGLE_APPENDS ?? 3_000);
const BATCH_APPENDS = Number(process.env.BATCH_APPENDS ?? 300);
const BATCH_SIZE = 100;
const WRITERS = 8;

function event(index: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'TransferSent',
    data: { transferId: `t-${index}`, from: 'city-finance:呼和浩特市财政局', to: 'county-finance:赛罕区财政局', amount_fen: 3_000_000 + index },
    metadata: {
      actor: { id: 'u-1', role: 'finance-officer' },
      occurredAt: '2022-06-30',
      recordedAt: '2022-06-30T08:00:00.000Z',
      document: '呼财工指〔2022〕28号',
      correlationId: 'c',
      causationId: 'c',
      schemaVersion: 1,
    },
  };
}

interface Result {
  what: string;
  events: number;
  seconds: number;
}

async function timed(what: string, events: number, work: () => Promise<void>): Promise<Result> {
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { what, events, seconds };
}

async function measure(store: EventStore): Promise<Result[]> {
  const results: Result[] = [];
  results.push(
    await timed(`append 1 event/call, sequential (${SINGLE_APPENDS} calls)`, SINGLE_APPENDS, async () => {
      for (let index = 0; index < SINGLE_APPENDS; index++) await store.append(`single-${index}`, [event(index)], { expectedVersion: 'no-stream' });
    }),
  );
  results.push(
    await timed(`append 1 event/call, ${WRITERS} concurrent writers (${SINGLE_APPENDS} calls)`, SINGLE_APPENDS, async () => {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let index = writer; index < SINGLE_APPENDS; index += WRITERS) {
            await store.append(`concurrent-${index}`, [event(index)], { expectedVersion: 'no-stream' });
          }
        }),
      );
    }),
  );
  results.push(
    await timed(`append ${BATCH_SIZE} events/call, sequential (${BATCH_APPENDS} calls)`, BATCH_APPENDS * BATCH_SIZE, async () => {
      for (let index = 0; index < BATCH_APPENDS; index++) {
        await store.append(`batch-${index}`, Array.from({ length: BATCH_SIZE }, (_, offset) => event(offset)), { expectedVersion: 'no-stream' });
      }
    }),
  );
  results.push(
    await timed(`append ${BATCH_SIZE} events/call, ${WRITERS} concurrent writers (${BATCH_APPENDS} calls)`, BATCH_APPENDS * BATCH_SIZE, async () => {
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let index = writer; index < BATCH_APPENDS; index += WRITERS) {
            await store.append(`concurrent-batch-${index}`, Array.from({ length: BATCH_SIZE }, (_, offset) => event(offset)), { expectedVersion: 'no-stream' });
          }
        }),
      );
    }),
  );
  const total = await store.headPosition();
  for (const pageSize of [1_000, 10_000]) {
    results.push(
      await timed(`readAll, pages of ${pageSize} (${total} events)`, total, async () => {
        let after = 0;
        let count = 0;
        for (;;) {
          const page = await store.readAll({ after, limit: pageSize });
          if (page.length === 0) break;
          count += page.length;
          after = page[page.length - 1].position;
        }
        if (count !== total) throw new Error(`read ${count} events, expected ${total}`);
      }),
    );
  }
  results.push(
    await timed(`readAllInBatches (streamAll), batches of 1000 (${total} events)`, total, async () => {
      let count = 0;
      for await (const batch of readAllInBatches(store, { batchSize: 1_000 })) count += batch.length;
      if (count !== total) throw new Error(`streamed ${count} events, expected ${total}`);
    }),
  );
  return results;
}

/** The floor: one INSERT of one jsonb row per transaction, without the adapter (BASELINES.md measured 3,100/s). */
async function rawInsertBaseline(schema: string): Promise<Result> {
  const pool = new Pool({ connectionString: SERVER_URL, max: 1 });
  try {
    await pool.query(`CREATE TABLE "${schema}".raw_baseline (id bigserial PRIMARY KEY, data jsonb NOT NULL)`);
    return await timed(`raw: one INSERT (jsonb) per transaction, no adapter (${SINGLE_APPENDS})`, SINGLE_APPENDS, async () => {
      for (let index = 0; index < SINGLE_APPENDS; index++) {
        await pool.query({ name: 'raw_insert', text: `INSERT INTO "${schema}".raw_baseline (data) VALUES ($1::jsonb)`, values: [JSON.stringify(event(index))] });
      }
    });
  } finally {
    await pool.end();
  }
}

function print(adapter: string, results: Result[]): void {
  for (const result of results) {
    const rate = Math.round(result.events / result.seconds);
    console.log(`${adapter.padEnd(9)} ${result.what.padEnd(62)} ${String(rate).padStart(8)} events/s  (${result.seconds.toFixed(2)} s)`);
  }
}

async function main(): Promise<void> {
  const schema = `ft_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: SERVER_URL, max: 1 });
  if (process.env.ONLY !== 'sqlite') {
    const postgres = await PostgresEventStore.open({ connectionString: SERVER_URL, schema });
    try {
      print('postgres', [await rawInsertBaseline(schema), ...(await measure(postgres))]);
    } finally {
      await postgres.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }
  await admin.end();
  if (process.env.ONLY === 'postgres') {
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'fundtrail-bench-'));
  const sqlite = new SqliteEventStore({ filename: join(directory, 'events.db') });
  try {
    print('sqlite', await measure(sqlite));
  } finally {
    await sqlite.close();
    rmSync(directory, { recursive: true, force: true });
  }
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
