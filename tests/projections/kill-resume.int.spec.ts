/**
 * Crash safety: a child process catching up a read model is killed with SIGKILL in the middle of its work,
 * twice; a new runner resumes from the checkpoint. The result has exactly the rows of a clean rebuild: no
 * event was counted twice (the checkpoint commits with the rows) and none was lost.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECTION_ENTITIES, ProjectionRunner, ReadModel, openReadModelDataSource } from '../../projections';
import { PROJECTIONS } from '../../projections/registry';
import { rowsOf } from '../../projections/verify';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { tempDir } from './support';
import { appendSynthetic } from './support-history';

const BATCH = 400;

/** Runs the child until it has committed `batches` batches after the first line, then kills it with SIGKILL. */
function runAndKill(storeFile: string, readModelFile: string, batches: number): Promise<{ lastCommitted: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(__dirname, 'fixtures/ts-register.js'), join(__dirname, 'fixtures/rebuild-child.ts'), storeFile, readModelFile, String(BATCH)], {
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

test('killed twice with SIGKILL in the middle of a catch-up, then resumed: the same rows as a clean rebuild', async () => {
  const dir = tempDir();
  const storeFile = join(dir.path, 'events.db');
  const store = new SqliteEventStore({ filename: storeFile });
  await appendSynthetic(store);
  const head = await store.headPosition();
  const readModelFile = join(dir.path, 'read-models.db');

  const first = await runAndKill(storeFile, readModelFile, 3);
  const second = await runAndKill(storeFile, readModelFile, 4);
  expect(first.finished).toBe(false);
  expect(second.finished).toBe(false);

  const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: readModelFile }, PROJECTION_ENTITIES);
  const resumed = new ReadModel(dataSource);
  const checkpoints = await resumed.all<{ name: string; position: number }>('SELECT name, position FROM {pj_checkpoint}');
  // the checkpoint is where the killed child had committed (at or past its last report), never past the head
  for (const checkpoint of checkpoints) {
    expect(checkpoint.position).toBeGreaterThanOrEqual(second.lastCommitted);
    expect(checkpoint.position).toBeLessThan(head);
  }
  const runner = new ProjectionRunner(store, resumed);
  const result = await runner.catchUp();
  expect(result.events).toBeGreaterThan(0);
  expect(result.events).toBeLessThan(head);

  const cleanSource = await openReadModelDataSource({ kind: 'sqlite', filename: join(dir.path, 'clean.db') }, PROJECTION_ENTITIES);
  const clean = new ReadModel(cleanSource);
  const rebuilder = new ProjectionRunner(store, clean);
  await rebuilder.rebuild();
  for (const table of PROJECTIONS.flatMap((projection) => projection.tables)) {
    expect({ table: table.name, rows: [...(await rowsOf(resumed, table)).values()] }).toEqual({ table: table.name, rows: [...(await rowsOf(clean, table)).values()] });
  }
  await runner.close();
  await rebuilder.close();
  await dataSource.destroy();
  await cleanSource.destroy();
  await store.close();
  dir.remove();
}, 120_000);
