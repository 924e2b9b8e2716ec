/**
 * Proves: the HTTP server killed with SIGKILL at random moments under a load of concurrent transfers
 * (many times, about a minute in all) loses no acknowledged event and invents none — every transfer in
 * the store is one the client sent, each at most once, and every 201 the client saw is there — and the
 * ledger's invariants hold after every restart. Unacknowledged requests are retried after the restart
 * with their Idempotency-Key, as a real client would, and still take effect at most once.
 * The server runs from the compiled tests (dist/), which `npm test` builds first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthService } from '../../src/auth/auth.service';
import { fundStreamId } from '../../src/domain';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { assertLedgerInvariants } from '../support/invariants';

const SERVER = join(__dirname, '../../dist/tests/support/http-server-worker.js');
const KILLS = 20;
const CLIENTS = 8;
const TIME_BUDGET_MS = 75_000;
const actor = { actor: { id: 'setup', role: 'admin' } };

interface Sent {
  body: Record<string, unknown>;
  acked: boolean;
}

async function setUpStore(filename: string): Promise<void> {
  const store = new SqliteEventStore({ filename });
  const ledger = new Ledger(store);
  const county = { code: '150121', name: '土默特左旗' };
  for (const holder of [
    { holderId: 'city', name: '市财政局', level: 'city-finance' as const },
    { holderId: 'county', name: '县财政局', level: 'county-finance' as const, county },
    { holderId: 'bureau', name: '县工信局', level: 'department' as const, county },
  ]) {
    await ledger.registerHolder({ kind: 'RegisterHolder', ...holder }, actor);
  }
  await ledger.executeFund('f', { kind: 'AppropriateFund', fundId: 'f', name: '测试', fiscalYear: 2022, budgetFen: 50_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, actor);
  await ledger.executeFund('f', { kind: 'IssueAllocation', allocationId: 'a', document: 'd', amountFen: 50_000_000, direction: 'x', occurredAt: '2022-01-02' }, actor);
  await ledger.executeFund('f', { kind: 'SendTransfer', transferId: 'setup', fromHolderId: 'city', toHolderId: 'county', amountFen: 50_000_000, occurredAt: '2022-01-03' }, actor);
  await ledger.executeFund('f', { kind: 'ReceiveTransfer', transferId: 'setup', occurredAt: '2022-01-04' }, actor);
  await store.close();
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { ...process.env, FUNDTRAIL_DATA_DIR: dataDir, FUNDTRAIL_RATE_WRITES_PER_MINUTE: '1000000', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`server exited ${code}: ${stderr}`));
    });
  });
}

/** The events of the fund that are client transfers, checked against what the client sent and saw acknowledged. */
async function check(filename: string, sent: Map<string, Sent>): Promise<{ stored: number; acked: number }> {
  const store = new SqliteEventStore({ filename });
  try {
    await assertLedgerInvariants(store);
    const events = await store.readStream(fundStreamId('f'));
    const seen = new Set<string>();
    for (const event of events) {
      if (event.type !== 'TransferSent') continue;
      const transferId = (event.data as { transferId: string }).transferId;
      if (transferId === 'setup') continue;
      if (!sent.has(transferId)) throw new Error(`invented: ${transferId} is in the store but was never sent`);
      if (seen.has(transferId)) throw new Error(`twice: ${transferId}`);
      seen.add(transferId);
      if (event.metadata.actor.id !== 'loader') throw new Error(`actor of ${transferId} is ${event.metadata.actor.id}, not the authenticated client`);
    }
    let acked = 0;
    for (const [transferId, request] of sent) {
      if (!request.acked) continue;
      acked++;
      if (!seen.has(transferId)) throw new Error(`lost: ${transferId} was acknowledged (201) but is not in the store`);
    }
    return { stored: seen.size, acked };
  } finally {
    await store.close();
  }
}

describe('the HTTP server killed (SIGKILL) at random moments under concurrent transfers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fundtrail-kill-'));
  const filename = join(dir, 'events.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged transfer, invents none, and keeps the invariants after every restart', async () => {
    expect(existsSync(SERVER)).toBe(true);
    await setUpStore(filename);
    const auth = new AuthService({ filename: join(dir, 'auth.db') });
    await auth.createUser({ userId: 'loader', username: 'loader', role: 'county-finance', countyCode: '150121', unitHolderId: 'county' }, 'test');
    const token = auth.issueApiToken('loader', 'load test', 1).token;
    auth.close();

    const sent = new Map<string, Sent>();
    const started = Date.now();
    let kills = 0;
    let requests = 0;
    let retried = 0;
    let refused = 0;
    for (let cycle = 0; cycle < KILLS && Date.now() - started < TIME_BUDGET_MS; cycle++) {
      const { child, port } = await startServer(dir);
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      let alive = true;
      const post = async (transferId: string, request: Sent): Promise<void> => {
        requests++;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/funds/f/transfers`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': transferId },
            body: JSON.stringify(request.body),
          });
          if (response.status === 201) request.acked = true;
          else if (response.status === 409 || response.status === 422) refused++;
          else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        } catch (error) {
          if (alive) throw error; // connection errors are expected only once the server is killed
        }
      };
      // a real client retries what was never acknowledged, with the same key and body
      const unacknowledged = [...sent.entries()].filter(([, request]) => !request.acked).slice(0, 20);
      retried += unacknowledged.length;
      const retries = Promise.all(unacknowledged.map(([transferId, request]) => post(transferId, request)));
      const clients = Array.from({ length: CLIENTS }, async (_, client) => {
        for (let index = 0; alive; index++) {
          const transferId = `k${cycle}-c${client}-${index}`;
          // mostly small; now and then more than the county holds, which the ledger must refuse
          const amount = index % 17 === 16 ? '900000.00' : `${1 + ((index * 7 + client) % 50)}.00`;
          const request: Sent = { body: { transferId, fromHolderId: 'county', toHolderId: 'bureau', amount, occurredAt: '2022-05-01' }, acked: false };
          sent.set(transferId, request);
          await post(transferId, request);
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(Math.random() * 900)));
      alive = false;
      child.kill('SIGKILL');
      kills++;
      await exited;
      await Promise.all([retries, ...clients]);
      await check(filename, sent);
    }
    const totals = await check(filename, sent);
    expect(kills).toBeGreaterThanOrEqual(6);
    expect(totals.acked).toBeGreaterThan(kills * 5); // the load was really flowing when the kills came
    // after the crashes the ledger works on, and every transfer sent from the county is accounted for
    const store = new SqliteEventStore({ filename });
    const state = await new Ledger(store).fund('f');
    let sentFen = 0;
    for (const transfer of state.transfers.values()) if (transfer.fromHolderId === 'county') sentFen += transfer.amountFen;
    expect(state.balances.get('county')! + sentFen).toBe(50_000_000);
    await store.close();
    process.stdout.write(`kill test: ${kills} kills, ${requests} requests (${retried} retries), ${totals.acked} acknowledged, ${totals.stored} stored, ${refused} refused, ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 150_000);
});
