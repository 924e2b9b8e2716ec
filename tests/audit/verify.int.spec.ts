/**
 * Proves: `verify` finds every kind of tampering with the stored history — an edited row, a deleted row, two
 * rows swapped — and names the first bad event; the digest an auditor files proves later that the history up to
 * it is unchanged and only grew, and catches what no chain can (a stream cut short at its end, streams
 * reordered against each other).
 */
import { readWholeLog } from '../../src/audit/history';
import { formatDigest, parseDigest, verifyEvents } from '../../src/audit/verify';
import { HOHHOT_2022_FUND_ID } from '../../src/demo/hohhot-2022';
import type { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import type { Ledger } from '../../src/ledger/ledger';
import { demoStore } from './demo-store';

const FUND = HOHHOT_2022_FUND_ID;
const STREAM = `fund-${FUND}`;

describe('tamper evidence on the demo store (SQLite, rows changed behind the ledger’s back)', () => {
  let store: SqliteEventStore;
  let ledger: Ledger;
  const row = (version: number) => store.db.prepare('SELECT position, event_id FROM events WHERE stream_id = ? AND version = ?').get(STREAM, version) as { position: number; event_id: string };
  const verify = async (options: Parameters<typeof verifyEvents>[1] = {}) => verifyEvents(await readWholeLog(store), options);

  beforeEach(async () => {
    ({ store, ledger } = await demoStore());
  });
  afterEach(() => store.close());

  it('given an untouched history, verify passes and its digest covers every event', async () => {
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.events).toBe(260);
    expect(report.streams).toBe(2);
    expect(report.digest).toMatch(/^ft1:all:260:260:[0-9a-f]{64}$/);
    expect(parseDigest(report.digest)).toEqual({ scope: 'all', position: 260, count: 260, hash: report.digest.split(':')[4] });
  });

  it('an edited amount is caught at that event: its content no longer matches its hash, and the filed digest no longer holds', async () => {
    const filed = parseDigest((await verify()).digest);
    const target = row(100);
    store.db.prepare("UPDATE events SET data = json_set(data, '$.amountFen', 1) WHERE event_id = ?").run(target.event_id);
    const report = await verify({ against: filed });
    expect(report.against).toMatchObject({ ok: false });
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ position: target.position, streamId: STREAM, version: 100, eventId: target.event_id, problem: 'content-changed' });
  });

  it('an edited actor (metadata) is caught too', async () => {
    const target = row(7);
    store.db.prepare("UPDATE events SET metadata = json_set(metadata, '$.actor.id', 'someone-else') WHERE event_id = ?").run(target.event_id);
    expect((await verify()).firstBreak).toMatchObject({ eventId: target.event_id, problem: 'content-changed' });
  });

  it('a deleted event is caught at the next event of its stream, which names the missing version', async () => {
    const deleted = row(50);
    const next = row(51);
    store.db.prepare('DELETE FROM events WHERE event_id = ?').run(deleted.event_id);
    const report = await verify();
    expect(report.firstBreak).toMatchObject({ position: next.position, version: 51, eventId: next.event_id, problem: 'missing-before' });
    expect(report.firstBreak!.message_en).toContain('version 50 missing before version 51');
  });

  it('two events swapped in the global order are caught at the first one out of place', async () => {
    const [a, b] = [row(60), row(61)];
    const swap = store.db.transaction(() => {
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(1_000_000, a.event_id);
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(a.position, b.event_id);
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(b.position, a.event_id);
    });
    swap();
    const report = await verify();
    expect(report.ok).toBe(false);
    // version 61 now sits where version 60 was: the first bad event is the one out of place
    expect(report.firstBreak).toMatchObject({ position: a.position, version: 61, eventId: b.event_id, problem: 'missing-before' });
    expect(report.breaks.map((entry) => entry.problem)).toContain('out-of-order');
  });

  it('given a filed digest, when the history only grew, verify --digest proves the filed part unchanged', async () => {
    const filed = (await verify()).digest;
    await ledger.executeFund(FUND, { kind: 'ReportProgress', projectId: 'proj-b2-050', percent: 60, note: '设备安装中', occurredAt: '2024-01-10' }, { actor: { id: 't', role: 'admin' } });
    const report = await verify({ against: parseDigest(filed) });
    expect(report.ok).toBe(true);
    expect(report.against).toMatchObject({ ok: true, grownBy: 1 });
    expect(report.digest).not.toBe(filed);
  });

  it('a stream cut short at its end breaks no chain, but the filed digest catches it', async () => {
    const filed = parseDigest((await verify()).digest);
    const last = row(190);
    store.db.prepare('DELETE FROM events WHERE event_id = ?').run(last.event_id);
    const report = await verify({ against: filed });
    expect(report.breaks).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.against).toMatchObject({ ok: false });
    expect(report.against!.message_en).toContain('there are now 259 events up to position 260, the digest recorded 260');
  });

  it('events of different streams swapped against each other: each chain holds, the digest does not', async () => {
    const filed = parseDigest((await verify()).digest);
    // the last holder registration and the fund's first event trade places
    const holder = store.db.prepare("SELECT position, event_id FROM events WHERE stream_id = 'holders' ORDER BY version DESC LIMIT 1").get() as { position: number; event_id: string };
    const first = row(0);
    store.db.transaction(() => {
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(1_000_000, holder.event_id);
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(holder.position, first.event_id);
      store.db.prepare('UPDATE events SET position = ? WHERE event_id = ?').run(first.position, holder.event_id);
    })();
    const report = await verify({ against: filed });
    expect(report.breaks).toEqual([]);
    expect(report.against).toMatchObject({ ok: false });
  });

  it('a fund digest covers that fund’s stream only: registering a holder does not change it', async () => {
    const before = await verify({ fundId: FUND });
    expect(before.digest).toMatch(new RegExp(`^ft1:fund=${FUND}:\\d+:191:`));
    await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'late', name: '新登记单位', level: 'department' }, { actor: { id: 't', role: 'admin' } });
    expect((await verify({ fundId: FUND })).digest).toBe(before.digest);
    expect(formatDigest(parseDigest(before.digest))).toBe(before.digest);
  });

  it('a digest that was typed wrong, or of another scope, is refused rather than passed', async () => {
    expect(() => parseDigest('ft1:all:12:zz')).toThrow(/not a Fundtrail digest/);
    const fundDigest = parseDigest((await verify({ fundId: FUND })).digest);
    expect((await verify({ against: fundDigest })).against).toMatchObject({ ok: false });
  });
});
