/**
 * The writer thread of a long SQLite catch-up (see ReadModel.startWriter): its own connection to the read model,
 * one transaction per batch, rows and checkpoint together, so the crash guarantee is the in-thread one.
 * Messages are plain data: per operation its SQL text(s) and one flat array of values, row after row.
 * After a failed batch every later batch is refused (they were folded on top of it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface WriterOperation {
  /** The statement for one row (its `?` in value order). */
  sqlOne: string;
  /** The statement for `perStatement` rows at once, if any. */
  sqlMany?: string;
  perStatement: number;
  /** Values per row. */
  width: number;
  count: number;
  values: unknown[];
}

export type WriterMessage = { seq: number; operations: WriterOperation[] } | { close: true };
export type WriterReply = { seq: number; error?: string } | { closed: true };

if (parentPort) {
  const port = parentPort;
  const { filename, walAutocheckpoint } = workerData as { filename: string; walAutocheckpoint: number };
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma(`wal_autocheckpoint = ${walAutocheckpoint}`);
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  let failed: string | undefined;
  const write = db.transaction((operations: WriterOperation[]) => {
    for (const { sqlOne, sqlMany, perStatement, width, count, values } of operations) {
      let row = 0;
      if (sqlMany && count >= perStatement) {
        const statement = prepare(sqlMany);
        const size = perStatement * width;
        for (; row + perStatement <= count; row += perStatement) statement.run(values.slice(row * width, row * width + size));
      }
      if (row < count) {
        const statement = prepare(sqlOne);
        for (; row < count; row++) statement.run(values.slice(row * width, (row + 1) * width));
      }
    }
  });
  port.on('message', (message: WriterMessage) => {
    if ('close' in message) {
      db.close();
      port.postMessage({ closed: true } satisfies WriterReply);
      port.close(); // nothing keeps the thread alive now: it exits
      return;
    }
    if (failed !== undefined) {
      port.postMessage({ seq: message.seq, error: `not written: an earlier batch failed (${failed})` } satisfies WriterReply);
      return;
    }
    try {
      write.immediate(message.operations);
      port.postMessage({ seq: message.seq } satisfies WriterReply);
    } catch (error) {
      failed = (error as Error).message;
      port.postMessage({ seq: message.seq, error: failed } satisfies WriterReply);
    }
  });
}
