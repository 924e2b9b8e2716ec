/**
 * Crash safety: a child process catching up a read model is killed with SIGKILL in the middle of its work,
 * twice; a new runner resumes from the checkpoint. The result has exactly the rows of a clean rebuild: no
 * event was counted twice (the checkpoint commits with the rows) and none was lost. On SQLite and on PostgreSQL,
 * where one batch may be committing while the runner folds the next: a commit is reported once it has landed, and
 * by then the runner usually has the next batch on its way, so the kill mostly falls in the middle of a commit.
 * And with projects caught up on a worker thread beside money (as a long catch-up does): the kill takes both threads
 * down, each projection at a batch boundary of its own.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECTION_ENTITIES, ProjectionRunner, ReadModel, type ReadModelConfig, openReadModelDataSource } from '../../projections';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { CATCH_UP_THREAD_SCRIPT, PG_URL, type ReadModelKind, freshReadModel, tablesOf, tempDir } from './support';
import { appendSynthetic } from './support-history';

const BATCH = 400;

/** Runs the child until it has committed `batches` batches after the first line, then kills it with SIGKILL. */
function runAndKill(storeFile: string, readModel: ReadModelConfig, batches: number, threads: boolean): Promise<{ lastCommitted: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const args = [storeFile, JSON.stringify(readModel), String(BATCH), ...(threads ? [CATCH_UP_THREAD_SCRIPT] : [])];
    const child = spawn(process.execPath, ['-r', join(__dirname, 'fixtures/ts-register.js'), join(__dirname, 'fixtures/rebuild-child.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = 0;
    let lastCommitted = 0;
    let finished = false;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'done') finished = true;
        const match = /^committed (\d+)$/.exec(line);
        if (!match) continue;
        lastCommitted = Number(match[1]);
        if (++seen === batches) child.kill('SIGKILL'); // it is already folding or writing the next batch
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ lastCommitted, finished });
    });
  });
}

const KINDS: ReadModelKind[] = process.env.FUNDTRAIL_SKIP_PG === 'true' ? ['sqlite'] : ['sqlite', 'postgres'];

const CASES = KINDS.flatMap((kind) => [
  [kind, 'one thread'],
  [kind, 'projects on a worker thread'],
]) as Array<[ReadModelKind, string]>;

test.each(CASES)('killed twice with SIGKILL in the middle of a catch-up, then resumed: the same rows as a clean rebuild (%s read model, %s)', async (kind, how) => {
  const threads = how !== 'one thread';
  const dir = tempDir();
  const storeFile = join(dir.path, 'events.db');
  const store = new SqliteEventStore({ filename: storeFile });
  await appendSynthetic(store);
  const head = await store.headPosition();
  const schema = `pj_kill_${process.pid}_${Date.now().toString(36)}`;
  const readModel: ReadModelConfig = kind === 'sqlite' ? { kind, filename: join(dir.path, 'read-models.db') } : { kind, url: PG_URL, schema };

  const first = await runAndKill(storeFile, readModel, 3, threads);
  const second = await runAndKill(storeFile, readModel, 4, threads);
  expect(first.finished).toBe(false);
  expect(second.finished).toBe(false);

  const dataSource = await openReadModelDataSource(readModel, PROJECTION_ENTITIES);
  const resumed = new ReadModel(dataSource);
  const runner = new ProjectionRunner(store, resumed);
  // read through the runner: on SQLite each projection's checkpoint is in the projection's own file
  const checkpoints = [...(await runner.positions())].map(([name, position]) => ({ name, position }));
  // each checkpoint is where the killed child had committed (at or past its last report), and the kill fell before the
  // head (with a worker thread, projects may have reached it first: its checkpoints are its own)
  for (const checkpoint of checkpoints) {
    expect(checkpoint.position).toBeGreaterThanOrEqual(second.lastCommitted);
    expect(checkpoint.position).toBeLessThanOrEqual(head);
  }
  expect(Math.min(...checkpoints.map((checkpoint) => checkpoint.position))).toBeLessThan(head);
  const result = await runner.catchUp();
  expect(result.events).toBeGreaterThan(0);
  expect(result.events).toBeLessThan(head);

  const clean = await freshReadModel(kind, dir.path, 'clean');
  const rebuilder = new ProjectionRunner(store, clean.db);
  await rebuilder.rebuild();
  expect(await tablesOf(resumed)).toEqual(await tablesOf(clean.db));
  await runner.close();
  await rebuilder.close();
  if (kind === 'postgres') await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await dataSource.destroy();
  await clean.drop();
  await store.close();
  dir.remove();
}, 120_000);
