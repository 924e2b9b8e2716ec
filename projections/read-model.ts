/**
 * The read-model database: one TypeORM DataSource (SQLite through better-sqlite3 by default, PostgreSQL when
 * configured) and the few things the projections need from it. On SQLite each projection's tables are in a file of
 * their own beside it, attached for the queries (`part`).
 *
 * Why not TypeORM repositories for writing: a `save()` per row is the "naive projection" of BASELINES.md
 * (637–3,800 events/s). Writes here are buffered per batch and executed in ONE transaction together with the
 * checkpoint rows: on SQLite through better-sqlite3 prepared statements inside a synchronous transaction
 * (nothing else can interleave on the connection), on PostgreSQL by COPY for many new rows and INSERT/UPDATE … FROM
 * json_to_recordset(the rows as JSON) statements otherwise.
 * TypeORM still owns the connection, the entity metadata (the table specs below become EntitySchemas) and
 * the configuration; the DDL is generated from the same specs so that any DataSource can be handed to
 * `rebuildAll` without our entities registered in it.
 */
import type Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';
import { CHECKPOINT_TABLE, SCHEMA_TABLE } from './tables';

export type ColumnType = 'text' | 'int' | 'bigint';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export interface IndexSpec {
  name: string;
  columns: string[];
  /** A partial index (both engines support `WHERE`). */
  where?: string;
  /** Kept during a rebuild, because the rebuild itself reads through it. */
  keepDuringRebuild?: boolean;
  /** Only on these engines (default: both). */
  engines?: Array<'sqlite' | 'postgres'>;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primary: string[];
  /** Secondary indexes: dropped before a bulk rebuild and created after it (cheaper than maintaining them row by row). */
  indexes: IndexSpec[];
}

export type Row = Record<string, string | number | null | undefined>;

/** A unit of work of one batch: rows to write and statements to run, executed atomically by `commit`. */
export interface WriteBatch {
  /** Rows that may already exist (INSERT … ON CONFLICT DO UPDATE of every column). */
  upsert(table: TableSpec, rows: Row[]): void;
  /**
   * Rows known to be new (plain INSERT: no conflict clause to evaluate). The caller guarantees it, e.g. flow rows
   * created by events after the checkpoint, whose ids (position × 1000 + n) cannot be in the table yet.
   */
  insert(table: TableSpec, rows: readonly object[]): void;
  /** `UPDATE table SET set… WHERE key…` for each row (rows carry both the set and the key columns). */
  update(table: TableSpec, set: readonly string[], key: readonly string[], rows: readonly object[]): void;
  /** A statement with `?` placeholders. */
  run(sql: string, params: unknown[]): void;
}

type Operation =
  | { op: 'upsert' | 'insert'; table: TableSpec; rows: readonly object[] }
  | { op: 'update'; table: TableSpec; set: readonly string[]; key: readonly string[]; rows: readonly object[] }
  | { op: 'run'; sql: string; params: unknown[] };

/** A statement that must pass for a batch to land (a lease's fence): it raises an error otherwise. */
export interface Check {
  sql: string;
  params: unknown[];
}

export class ReadModel {
  readonly kind: 'sqlite' | 'postgres';
  readonly schema?: string;
  private readonly statementCache = new Map<string, Database.Statement>();
  private readonly resolved = new Map<string, string>();

  /**
   * @param base when this is a projection's own SQLite file (`part`): the read model it belongs to, whose connection
   * has it attached for the queries and holds the leases
   */
  constructor(
    readonly dataSource: DataSource,
    readonly base?: ReadModel,
  ) {
    this.kind = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    if (dataSource.options.type !== 'postgres' && dataSource.options.type !== 'better-sqlite3') {
      throw new Error(`read model: unsupported TypeORM driver ${dataSource.options.type} (better-sqlite3 or postgres)`);
    }
    this.schema = this.kind === 'postgres' ? ((dataSource.options as { schema?: string }).schema ?? undefined) : undefined;
  }

  /**
   * The configuration that opens this same read model again (openReadModelDataSource), for a worker thread that
   * writes some projections' tables beside this one; undefined for an in-memory SQLite database or a PostgreSQL
   * DataSource configured without a URL.
   */
  get config(): ReadModelConfig | undefined {
    const options = this.dataSource.options as { database?: unknown; url?: string };
    if (this.kind === 'sqlite') return typeof options.database === 'string' && options.database !== ':memory:' ? { kind: 'sqlite', filename: options.database } : undefined;
    return options.url ? { kind: 'postgres', url: options.url, ...(this.schema ? { schema: this.schema } : {}) } : undefined;
  }

  /** A table name, schema-qualified on PostgreSQL. */
  t(name: string): string {
    return this.schema ? `"${this.schema}"."${name}"` : `"${name}"`;
  }

  get sqlite(): Database.Database {
    return (this.dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
  }

  /** `{pj_table}` tokens become (schema-qualified) table names. */
  resolve(sql: string): string {
    let result = this.resolved.get(sql);
    if (result === undefined) {
      result = sql.replace(/\{(pj_\w+)\}/g, (_, name: string) => this.t(name));
      if (this.resolved.size < 1_000) this.resolved.set(sql, result);
    }
    return result;
  }

  private pgSql(sql: string): string {
    let index = 0;
    return sql.replace(/\?/g, () => `$${++index}`);
  }

  /** Rows of a query with `?` placeholders; numbers come back as numbers on both engines. */
  async all<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.kind === 'sqlite') return this.prepare(this.resolve(sql)).all(...params) as T[];
    const rows = (await this.dataSource.query(this.pgSql(this.resolve(sql)), params)) as Row[];
    return rows.map(numbersOf) as T[];
  }

  async exec(sql: string): Promise<void> {
    if (this.kind === 'sqlite') this.sqlite.exec(sql);
    else await this.dataSource.query(sql);
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statementCache.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      this.statementCache.set(sql, statement);
    }
    return statement;
  }

  /**
   * For a long catch-up on SQLite: checkpoints the WAL every WAL_AUTOCHECKPOINT_BULK pages instead of every 1,000
   * (SQLite's default), so a hot page (an active project, a county's open lots) dirtied by several batches is copied
   * into the database file once rather than once per batch (300,000 events: 26 % fewer bytes written). Commits are
   * as atomic and durable as before; only the copy from the WAL into the file happens later. And waits up to
   * BULK_BUSY_TIMEOUT_MS for the write lock instead of 5 s: during a catch-up fed by several threads another
   * connection may hold it for a whole batch or an index build. Returns the undo.
   */
  settingsForLongCatchUp(): () => void {
    if (this.kind !== 'sqlite') return () => undefined;
    const previous = Number(this.sqlite.pragma('wal_autocheckpoint', { simple: true }));
    const previousBusy = Number(this.sqlite.pragma('busy_timeout', { simple: true }));
    this.sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_BULK}`);
    this.sqlite.pragma(`busy_timeout = ${BULK_BUSY_TIMEOUT_MS}`);
    return () => {
      if (!this.sqlite.open) return;
      this.sqlite.pragma(`wal_autocheckpoint = ${previous}`);
      this.sqlite.pragma(`busy_timeout = ${previousBusy}`);
    };
  }

  /**
   * The read model a projection writes into. A SQLite file read model is a set of files: this one (the base: the
   * leases) and one file per projection beside it (`read-model.money.sqlite` for `read-model.sqlite`), each with that
   * projection's tables, its checkpoint row and its shape (pj_checkpoint, pj_schema). SQLite has one writer per file:
   * in one file, two projections caught up side by side on two threads waited for each other's write transactions
   * (docs/projections.md, "Eighth pass"); in a file each they do not, and a batch still commits atomically with its
   * checkpoint, which is in the same file. The base connection (the queries') has every part attached under the
   * projection's name: the queries' unqualified table names find them there (SQLite looks in main, then in the
   * attached files), and `pj_checkpoint` / `pj_schema` are TEMP views over all the parts. Opened once per connection
   * and closed with it. PostgreSQL, and an in-memory SQLite database: this read model itself.
   */
  part(name: string, tables: readonly TableSpec[]): Promise<ReadModel> {
    const file = this.partFile(name);
    if (!file) return Promise.resolve(this);
    let parts = partsOf.get(this.dataSource);
    if (!parts) {
      const opened = (parts = new Map<string, Promise<ReadModel>>());
      partsOf.set(this.dataSource, opened);
      // the parts' connections close with the base's (whoever made the DataSource destroys it)
      const destroy = this.dataSource.destroy.bind(this.dataSource);
      this.dataSource.destroy = async () => {
        partsOf.delete(this.dataSource);
        for (const part of opened.values()) await part.then((model) => model.dataSource.destroy()).catch(() => undefined);
        return destroy();
      };
    }
    let part = parts.get(name);
    if (!part) {
      const opening = this.openPart(name, file, tables);
      parts.set(name, (part = opening));
      opening.catch(() => parts!.get(name) === opening && parts!.delete(name));
    }
    return part;
  }

  /** `<stem>.<name><ext>` beside a SQLite file, or undefined (PostgreSQL, in memory, or a part itself). */
  private partFile(name: string): string | undefined {
    const filename = this.config?.kind === 'sqlite' ? this.config.filename : undefined;
    return filename && !this.base ? partFileOf(filename, name) : undefined;
  }

  private async openPart(name: string, file: string, tables: readonly TableSpec[]): Promise<ReadModel> {
    // its checkpoint and shape tables are made by the runner, as for every read model (the views below are resolved when read)
    const part = new ReadModel(await openReadModelDataSource({ kind: 'sqlite', filename: file }), this);
    const db = this.sqlite;
    // a base file written before projections had files of their own: its copies of this projection's tables would
    // hide the attached ones from the queries (main is looked in first); they are dropped, and the projection is
    // caught up into its own file like a new one
    const inMain = (table: string) => db.prepare(`SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    for (const table of tables) if (inMain(table.name)) db.exec(`DROP TABLE main."${table.name}"`);
    for (const table of [CHECKPOINT_TABLE, SCHEMA_TABLE]) if (inMain(table.name)) db.prepare(`DELETE FROM main."${table.name}" WHERE name = ?`).run(name);
    db.prepare('ATTACH DATABASE ? AS ?').run(file, name);
    // the page cache of an attached file is SQLite's default (2 MB), not the connection's setting: the queries' as before
    db.pragma(`"${name}".cache_size = ${PAGE_CACHE_SIZE}`);
    // every projection file attached to this connection so far, this one included (main and temp are SQLite's own)
    const attached = (db.pragma('database_list') as Array<{ name: string }>).map((database) => database.name).filter((schema) => schema !== 'main' && schema !== 'temp');
    for (const table of [CHECKPOINT_TABLE, SCHEMA_TABLE]) {
      const columns = table.columns.map((column) => `"${column.name}"`).join(', ');
      db.exec(`DROP VIEW IF EXISTS temp."${table.name}"`);
      db.exec(`CREATE TEMP VIEW "${table.name}" AS ${attached.map((schema) => `SELECT ${columns} FROM "${schema}"."${table.name}"`).join(' UNION ALL ')}`);
    }
    return part;
  }

  async createTables(tables: TableSpec[], withIndexes: boolean): Promise<void> {
    if (this.kind === 'postgres' && this.schema) await this.exec(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    for (const table of tables) {
      const columns = table.columns.map((column) => `"${column.name}" ${sqlType(column.type, this.kind)}${column.nullable ? '' : ' NOT NULL'}`);
      const noRowId = this.kind === 'sqlite' && table.primary.length > 1 ? ' WITHOUT ROWID' : '';
      await this.exec(
        `CREATE TABLE IF NOT EXISTS ${this.t(table.name)} (${columns.join(', ')}, PRIMARY KEY (${table.primary.map((c) => `"${c}"`).join(', ')}))${noRowId}`,
      );
      if (withIndexes) await this.createIndexes([table]);
    }
  }

  async createIndexes(tables: TableSpec[], onlyKeptDuringRebuild = false): Promise<void> {
    const statements: string[] = [];
    for (const table of tables) {
      for (const index of table.indexes) {
        if (onlyKeptDuringRebuild && !index.keepDuringRebuild) continue;
        if (index.engines && !index.engines.includes(this.kind)) continue;
        const where = index.where ? ` WHERE ${index.where}` : '';
        statements.push(`CREATE INDEX IF NOT EXISTS "${index.name}" ON ${this.t(table.name)} (${index.columns.map((c) => `"${c}"`).join(', ')})${where}`);
      }
    }
    if (!onlyKeptDuringRebuild) {
      // per table: a worker thread analyses its projections' tables, not the ones another thread is still filling
      for (const table of tables) statements.push(`ANALYZE ${this.t(table.name)}`);
    }
    if (this.kind === 'sqlite') {
      for (const statement of statements) this.sqlite.exec(statement);
      return;
    }
    // PostgreSQL: two connections at once (index builds of one table share its lock; an ANALYZE waits for them):
    // after a 1M rebuild, 8 index builds and the ANALYZEs are ~1.6 s of server work, while Node has nothing to do
    const queue = [...statements];
    const lane = async () => {
      for (let statement = queue.shift(); statement !== undefined; statement = queue.shift()) await this.exec(statement);
    };
    await Promise.all([lane(), lane()]);
  }

  async dropIndexes(tables: TableSpec[]): Promise<void> {
    for (const table of tables) {
      for (const index of table.indexes) {
        if (index.keepDuringRebuild) continue;
        await this.exec(`DROP INDEX IF EXISTS ${this.schema ? `"${this.schema}".` : ''}"${index.name}"`);
      }
    }
  }

  async dropTables(tables: TableSpec[]): Promise<void> {
    this.statementCache.clear();
    for (const table of tables) await this.exec(`DROP TABLE IF EXISTS ${this.t(table.name)}`);
  }

  /**
   * SQLite: rows in multi-row INSERT statements of up to SQLITE_ROWS_PER_STATEMENT rows, positional parameters
   * filled into one reused array (2.1–2.4× the rows/s of one named-parameter statement per row for a 5-column table,
   * measured; fewer calls into the native module and fewer statement steps), the remainder one row at a time.
   * The array is spread into arguments (`run(...values)`), not passed as one: better-sqlite3 reads an array argument
   * element by element through V8's generic property lookup, and its arguments directly. Counted with callgrind
   * (instructions, not seconds): 22 % fewer instructions to insert the flow rows, 5–7 % fewer for a whole rebuild of
   * the first 100,000 events (docs/projections.md, "Tenth pass").
   */
  private insertRows(table: TableSpec, rows: readonly Row[], upsert: boolean): void {
    const columns = table.columns.length;
    const perStatement = Math.max(1, Math.min(SQLITE_ROWS_PER_STATEMENT, Math.floor(SQLITE_PARAMETERS_MAX / columns)));
    const fill = rowFillerOf(table);
    let index = 0;
    if (rows.length >= perStatement) {
      const statement = this.prepare(insertSql(this, table, upsert, perStatement));
      const values: unknown[] = new Array(perStatement * columns);
      for (; index + perStatement <= rows.length; index += perStatement) {
        fill(rows, index, index + perStatement, values);
        statement.run(...values);
      }
    }
    if (index < rows.length) {
      const statement = this.prepare(insertSql(this, table, upsert, 1));
      const values: unknown[] = new Array(columns);
      for (; index < rows.length; index++) {
        fill(rows, index, index + 1, values);
        statement.run(...values);
      }
    }
  }

  /**
   * Executes a batch atomically. On SQLite the whole batch runs synchronously inside one transaction through
   * cached prepared statements: inserts 100 rows a statement (insertRows), updates one row a statement with
   * named parameters (`@column`) bound straight from the row object; no SQL text per row. On PostgreSQL, in one
   * transaction: plain inserts of PG_COPY_FROM rows or more by COPY, the rest one statement per 5,000 rows whose one
   * parameter is the rows as JSON text (json_to_recordset). The rows are read before `commit` first awaits, so the
   * caller may change them as soon as it has the promise.
   */
  async commit(work: (batch: WriteBatch) => void, checks: readonly Check[] = []): Promise<void> {
    const operations: Operation[] = [];
    if (this.base) {
      // a projection's own file: the leases are in the base file, so its fences run there, just before the batch
      // (a SQLite lease row and the batch share no write lock across files; the checkpoint guard the runner adds to
      // the batch is what keeps two writers from committing from the same checkpoint)
      for (const check of checks) this.base.prepare(this.base.resolve(check.sql)).get(...check.params);
    } else {
      for (const check of checks) operations.push({ op: 'run', sql: check.sql, params: check.params });
    }
    work({
      upsert: (table, rows) => {
        if (rows.length > 0) operations.push({ op: 'upsert', table, rows });
      },
      insert: (table, rows) => {
        if (rows.length > 0) operations.push({ op: 'insert', table, rows });
      },
      update: (table, set, key, rows) => {
        if (rows.length > 0) operations.push({ op: 'update', table, set, key, rows });
      },
      run: (sql, params) => operations.push({ op: 'run', sql, params }),
    });
    if (this.kind === 'sqlite') {
      const transaction = this.sqlite.transaction(() => {
        for (const operation of operations) {
          if (operation.op === 'run') {
            this.prepare(this.resolve(operation.sql)).run(...operation.params);
            continue;
          }
          if (operation.op === 'update') {
            const statement = this.prepare(updateSql(this, operation.table, operation.set, operation.key));
            for (const row of operation.rows) statement.run(row);
            continue;
          }
          this.insertRows(operation.table, operation.rows as readonly Row[], operation.op === 'upsert');
        }
      });
      transaction.immediate();
      return;
    }
    // Everything a statement needs is taken from the rows now, before the first await: the caller may go on folding
    // (and changing the same row objects) while this batch is on its way (the runner keeps one batch in flight).
    const statements: Array<{ sql: string; params: unknown[] } | { copy: string; text: string }> = [];
    for (const operation of operations) {
      if (operation.op === 'run') {
        statements.push({ sql: this.pgSql(this.resolve(operation.sql)), params: operation.params });
        continue;
      }
      if (operation.op === 'insert' && operation.rows.length >= PG_COPY_FROM) {
        // Many new rows (a rebuild's flows and progress reports): COPY, PostgreSQL's own bulk input, whose text
        // format the server parses at about twice the speed of any INSERT's parameters (50,000 flow rows: ~300 ms
        // against 580-710 ms with json_to_recordset or unnest, measured; 40 ms of it building the text here).
        const names = operation.table.columns.map((column) => column.name);
        statements.push({ copy: `COPY ${this.t(operation.table.name)} (${names.map((n) => `"${n}"`).join(', ')}) FROM STDIN`, text: copyTextOf(operation.table, operation.rows as readonly Row[]) });
        continue;
      }
      // Otherwise one statement per chunk whose one parameter is the rows as JSON text, unpacked by
      // json_to_recordset on the server: JSON.stringify is native and quick, where binding column arrays made
      // node-postgres quote and escape every value in JavaScript; the unpacking runs in the server's process.
      const sql = operation.op === 'update' ? pgUpdateSql(this, operation.table, operation.set, operation.key) : pgInsertSql(this, operation.table, operation.op === 'upsert');
      for (let start = 0; start < operation.rows.length; start += PG_ROWS_PER_STATEMENT) {
        statements.push({ sql, params: [JSON.stringify(operation.rows.slice(start, start + PG_ROWS_PER_STATEMENT))] });
      }
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      await runner.startTransaction();
      for (const statement of statements) {
        if ('copy' in statement) await copyInto(client, statement.copy, statement.text);
        else await runner.query(statement.sql, statement.params);
      }
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}

/** PostgreSQL: plain inserts of at least this many rows go through COPY (fewer: one json_to_recordset statement). */
const PG_COPY_FROM = 1_000;

/** Runs `COPY … FROM STDIN` with the whole text on the transaction's connection. */
function copyInto(client: PoolClient, sql: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(text);
  });
}

type CopyLine = (row: Row) => string;
const copyLines = new WeakMap<TableSpec, CopyLine>();
/**
 * The rows in COPY's text format: one line per row, columns in table order separated by tabs, `\N` for null,
 * backslash, tab, newline and carriage return escaped. A function per table with one fixed property read per
 * column (as rowFillerOf). Column names come from the table specs, not from input.
 */
function copyTextOf(table: TableSpec, rows: readonly Row[]): string {
  let line = copyLines.get(table);
  if (!line) {
    const values = table.columns.map((column) => `copyValue(row[${JSON.stringify(column.name)}])`);
    line = new Function('copyValue', `return (row) => [${values.join(', ')}].join('\\t');`)(copyValue) as CopyLine;
    copyLines.set(table, line);
  }
  // one flat string from an array join: `+=` of every value built a rope of millions of pieces (GC +2 s at 1M)
  const lines: string[] = new Array(rows.length + 1);
  for (let index = 0; index < rows.length; index++) lines[index] = line(rows[index]);
  lines[rows.length] = '';
  return lines.join('\n');
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = new RegExp(COPY_SPECIAL.source, 'g');
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`read model: ${value} is not a number PostgreSQL can store`);
    return String(value);
  }
  const text = String(value);
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIAL_ALL, (special) => COPY_ESCAPES[special]) : text;
}

/** WAL pages between automatic checkpoints during a long catch-up (SQLite; 4 KB pages: 64 MB). */
const WAL_AUTOCHECKPOINT_BULK = 16_384;
/** How long a connection waits for SQLite's write lock during a long catch-up (see settingsForLongCatchUp). */
const BULK_BUSY_TIMEOUT_MS = 120_000;

/** Rows per PostgreSQL json_to_recordset statement (one JSON text parameter). */
const PG_ROWS_PER_STATEMENT = 5_000;

/** SQLite: rows per multi-row INSERT, and the parameter limit of a statement (SQLITE_MAX_VARIABLE_NUMBER ≥ 32,766 since 3.32). */
const SQLITE_ROWS_PER_STATEMENT = 100;
const SQLITE_PARAMETERS_MAX = 32_766;

type RowFiller = (rows: readonly object[], start: number, end: number, values: unknown[]) => void;
const rowFillers = new WeakMap<TableSpec, RowFiller>();
/**
 * Copies the columns of rows[start..end) into `values`, in column order (undefined → null), through a function
 * generated per table with one fixed property read per column: the generic loop (`row[name]` over the names) was
 * a megamorphic keyed load per value, 31 a flow row. Column names come from the table specs, not from input.
 */
function rowFillerOf(table: TableSpec): RowFiller {
  let fill = rowFillers.get(table);
  if (!fill) {
    const body = table.columns.map((column) => `values[k++] = row[${JSON.stringify(column.name)}] ?? null;`).join('\n');
    fill = new Function('rows', 'start', 'end', 'values', `let k = 0;\nfor (let r = start; r < end; r++) {\nconst row = rows[r];\n${body}\n}`) as RowFiller;
    rowFillers.set(table, fill);
  }
  return fill;
}

/** INSERT (optionally ON CONFLICT DO UPDATE) of `rowCount` rows with positional parameters (SQLite). */
function insertSql(model: ReadModel, table: TableSpec, upsert: boolean, rowCount: number): string {
  const names = table.columns.map((column) => column.name);
  const row = `(${names.map(() => '?').join(', ')})`;
  return `INSERT INTO ${model.t(table.name)} (${names.map((n) => `"${n}"`).join(', ')}) VALUES ${Array.from({ length: rowCount }, () => row).join(', ')}${upsert ? conflictSql(table) : ''}`;
}

function conflictSql(table: TableSpec): string {
  const updates = table.columns.map((column) => column.name).filter((name) => !table.primary.includes(name)).map((name) => `"${name}" = excluded."${name}"`);
  return ` ON CONFLICT (${table.primary.map((c) => `"${c}"`).join(', ')}) ${updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`;
}

/** UPDATE of some columns of one row by key, `@column` parameters (SQLite). */
function updateSql(model: ReadModel, table: TableSpec, set: readonly string[], key: readonly string[]): string {
  return `UPDATE ${model.t(table.name)} SET ${set.map((name) => `"${name}" = @${name}`).join(', ')} WHERE ${key.map((name) => `"${name}" = @${name}`).join(' AND ')}`;
}

/** The recordset a statement's JSON parameter is read as: the columns it carries, with their PostgreSQL types. */
function pgRecordset(table: TableSpec, names: readonly string[]): string {
  const types = names.map((name) => `"${name}" ${sqlType(table.columns.find((column) => column.name === name)!.type, 'postgres')}`);
  return `json_to_recordset($1::json) AS v(${types.join(', ')})`;
}

/** PostgreSQL: INSERT … SELECT FROM json_to_recordset($1), the rows as one JSON array of objects named by column. */
function pgInsertSql(model: ReadModel, table: TableSpec, upsert: boolean): string {
  const names = table.columns.map((column) => `"${column.name}"`).join(', ');
  return `INSERT INTO ${model.t(table.name)} (${names}) SELECT ${names} FROM ${pgRecordset(table, table.columns.map((column) => column.name))}${upsert ? conflictSql(table) : ''}`;
}

/** PostgreSQL: UPDATE … FROM json_to_recordset($1) (the key and the set columns of each row) joined on the key. */
function pgUpdateSql(model: ReadModel, table: TableSpec, set: readonly string[], key: readonly string[]): string {
  return `UPDATE ${model.t(table.name)} AS t SET ${set.map((name) => `"${name}" = v."${name}"`).join(', ')} FROM ${pgRecordset(table, [...key, ...set])} WHERE ${key.map((name) => `t."${name}" = v."${name}"`).join(' AND ')}`;
}

function sqlType(type: ColumnType, kind: 'sqlite' | 'postgres'): string {
  if (type === 'text') return 'TEXT';
  if (type === 'int') return 'INTEGER';
  return kind === 'sqlite' ? 'INTEGER' : 'BIGINT';
}

/** pg returns BIGINT and SUM() as strings: every value that is an integer string of a numeric column becomes a number. */
function numbersOf(row: Row): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'string' && isNumericColumn(key) && /^-?\d+$/.test(value)) row[key] = Number(value);
  }
  return row;
}
const numericColumns = new Map<string, boolean>();
function isNumericColumn(key: string): boolean {
  let numeric = numericColumns.get(key);
  if (numeric === undefined) numericColumns.set(key, (numeric = NUMERIC_ALIASES.test(key)));
  return numeric;
}
/** Columns and aliases that hold numbers: amounts, positions, counts, days. */
const NUMERIC_ALIASES = /(fen|position|count|days|_id_num|^id$|^source_lot_id$|year|batch|percent|^n$|score)$/i;

/** The same tables as TypeORM entities, so that a DataSource can be configured with them (migrations, tooling). */
export function entitySchemaOf(table: TableSpec): EntitySchema {
  const columns: Record<string, EntitySchemaColumnOptions> = {};
  for (const column of table.columns) {
    columns[column.name] = {
      name: column.name,
      type: column.type === 'text' ? 'text' : column.type === 'int' ? 'integer' : 'bigint',
      nullable: Boolean(column.nullable),
      primary: table.primary.includes(column.name),
    };
  }
  return new EntitySchema({
    name: table.name,
    tableName: table.name,
    columns,
    indices: table.indexes.map((index) => ({ name: index.name, columns: index.columns, ...(index.where ? { where: index.where } : {}) })),
  });
}

/** The file of projection `name`'s tables beside a SQLite read model's base file: `<stem>.<name><ext>` (ReadModel.part). */
export function partFileOf(filename: string, name: string): string {
  // the name is also the file's schema name on the base connection (ATTACH … AS name): main and temp are SQLite's own
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || /^(main|temp)$/i.test(name)) {
    throw new Error(`read model: a projection's name must be a word (letters, digits, _) other than main and temp: ${JSON.stringify(name)}`);
  }
  const extension = /\.[^./\\]*$/.exec(filename)?.[0] ?? '';
  return `${filename.slice(0, filename.length - extension.length)}.${name}${extension}`;
}

/** SQLite's page cache per connection and per attached file: 64 MB (a negative size is in KiB). */
const PAGE_CACHE_SIZE = -65_536;

/** The projections' files opened for a base DataSource (ReadModel.part). */
const partsOf = new WeakMap<DataSource, Map<string, Promise<ReadModel>>>();

export type ReadModelConfig = { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema?: string };

/** Opens a DataSource for a read-model configuration. SQLite: WAL, synchronous=NORMAL (atomic against a process crash). */
export async function openReadModelDataSource(config: ReadModelConfig, entities: EntitySchema[] = []): Promise<DataSource> {
  const dataSource =
    config.kind === 'sqlite'
      ? new DataSource({
          type: 'better-sqlite3',
          database: config.filename,
          entities,
          synchronize: false,
          prepareDatabase: (db: Database.Database) => {
            db.pragma('journal_mode = WAL');
            db.pragma('synchronous = NORMAL');
            db.pragma('busy_timeout = 5000');
            db.pragma(`cache_size = ${PAGE_CACHE_SIZE}`);
          },
        })
      : new DataSource({
          type: 'postgres',
          url: config.url,
          schema: config.schema ?? 'fundtrail_read',
          entities,
          synchronize: false,
          // no parallel workers: every query reads one fund (a few thousand rows), where starting workers costs more
          // than it saves (balances as of a date: 42–62 ms with the default 2 workers, 17–20 ms without, on 2 cores)
          extra: { max: 4, options: '-c max_parallel_workers_per_gather=0' },
        });
  if (config.kind === 'sqlite' && config.filename !== ':memory:') {
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    mkdirSync(dirname(config.filename), { recursive: true });
  }
  await dataSource.initialize();
  return dataSource;
}
