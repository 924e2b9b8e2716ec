/**
 * Proves: a process killed (SIGKILL) in the middle of batch payouts leaves each batch entirely in the
 * store or entirely absent after restart, loses no acknowledged batch, and keeps the invariants.
 * The worker runs from the compiled tests (dist/), which `npm test` builds first.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fundStreamId } from '../../src/domain';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { assertLedgerInvariants } from '../support/invariants';
import { creditCode } from '../support/small-fund';

const WORKER = join(__dirname, '../../dist/tests/support/payout-worker.js');
const BATCH_SIZE = 200;
const KILLS = 8;
const actor = { actor: { id: 'test', role: 'admin' } };

async function setUp(filename: string): Promise<void> {
  const store = new SqliteEventStore({ filename });
  const ledger = new Ledger(store);
  const holders = [
    { holderId: 'city', name: '市财政局', level: 'city-finance' as const },
    { holderId: 'county', name: '县财政局', level: 'county-finance' as const, county: { code: '150121', name: '土默特左旗' } },
    { holderId: 'ent', name: '示例企业', level: 'enterprise' as const, county: { code: '150121', name: '土默特左旗' }, creditCode: creditCode('91150121MA0N00001') },
  ];
  for (const holder of holders) await ledger.registerHolder({ kind: 'RegisterHolder', ...holder }, actor);
  await ledger.executeFund('f', { kind: 'AppropriateFund', fundId: 'f', name: '测试', fiscalYear: 2022, budgetFen: 100_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, actor);
  await ledger.executeFund('f', { kind: 'IssueAllocation', allocationId: 'a', document: 'd', amountFen: 100_000_000, direction: 'x', occurredAt: '2022-01-02' }, actor);
  await ledger.executeFund('f', { kind: 'SendTransfer', transferId: 't', fromHolderId: 'city', toHolderId: 'county', amountFen: 100_000_000, occurredAt: '2022-01-03' }, actor);
  await ledger.executeFund('f', { kind: 'ReceiveTransfer', transferId: 't', occurredAt: '2022-01-04' }, actor);
  await ledger.executeFund('f', { kind: 'RegisterProject', projectId: 'p1', name: '项目', enterpriseHolderId: 'ent', direction: 'x', batch: 1, category: 'review', approvedFen: 100_000_000, occurredAt: '2022-01-05' }, actor);
  await store.close();
}

function runAndKill(filename: string, prefix: string, killAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, filename, 'f', prefix, String(BATCH_SIZE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith('acked ')) acked.push(line.slice(6));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // kill at a moment that has nothing to do with batch boundaries
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`worker exited ${code}: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('a process killed in the middle of batch payouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fundtrail-crash-'));
  const filename = join(dir, 'events.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves every batch all there or not there at all, and every acknowledged batch there', async () => {
    expect(existsSync(WORKER)).toBe(true);
    await setUp(filename);
    const acknowledged: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      acknowledged.push(...(await runAndKill(filename, `k${kill}`, 600 + kill * 97)));
    }
    const store = new SqliteEventStore({ filename });
    const events = await store.readStream(fundStreamId('f'));
    const perBatch = new Map<string, number>();
    for (const event of events) {
      if (event.type !== 'PayoutMade') continue;
      const batchId = (event.data as { batchId: string }).batchId;
      perBatch.set(batchId, (perBatch.get(batchId) ?? 0) + 1);
    }
    for (const [batchId, count] of perBatch) expect([batchId, count]).toEqual([batchId, BATCH_SIZE]);
    for (const batchId of acknowledged) expect(perBatch.has(batchId)).toBe(true);
    expect(perBatch.size).toBeGreaterThan(KILLS); // batches were really being paid when the kills came
    await assertLedgerInvariants(store);
    // and the ledger works on after the crashes
    const ledger = new Ledger(store);
    const state = await ledger.fund('f');
    expect(state.projects.get('p1')!.paidFen).toBe(perBatch.size * BATCH_SIZE);
    await store.close();
  }, 120_000);
});
