/**
 * Proves, on the demo fund's events (no HTTP): the replay's running balances follow `movementsOf` and filters
 * only choose what is shown; the state as of a date or a position adds up (conservation) and matches the
 * report; the difference between two dates splits what moved from what stayed; duplicate awards find the
 * 正耐电气 case across channels; the enterprise history lists awards and payouts; reconciliation sets the
 * report's 18.09% beside the ledger and says that no usual base reproduces it.
 */
import { buildAwardIndex } from '../../src/audit/awards';
import { findDuplicates } from '../../src/audit/duplicates';
import { enterpriseHistory, findEnterprise } from '../../src/audit/enterprise';
import { ledgerFigures, reconcile } from '../../src/audit/reconcile';
import { differenceBetween, replayFund, stateAsOf } from '../../src/audit/replay';
import { HOHHOT_2022_REPORT } from '../../src/demo/hohhot-2022';
import { type Holder, wan } from '../../src/domain';
import type { RecordedEvent } from '../../src/event-store/event-store.port';
import { demoHistory } from './demo-store';

let all: RecordedEvent[];
let fund: RecordedEvent[];
let holders: Map<string, Holder>;
beforeAll(async () => {
  const history = await demoHistory();
  ({ all, fund, holders } = history);
  await history.store.close();
});

describe('replay', () => {
  it('given a transfer sent and received, each step shows the balance before and after at every place it touched', () => {
    const steps = replayFund(fund, holders, { holderId: 'cf-150105' }).steps;
    const sent = steps.find((step) => step.type === 'TransferSent' && step.description.includes('t-0007'))!;
    expect(sent.balances.map((b) => [b.name, b.beforeFen, b.afterFen])).toEqual([
      ['呼和浩特市财政局', wan('10901.31'), wan('8881.31')],
      ['在途 t-0007 → 赛罕区财政局', 0, wan('2020.00')],
    ]);
    const received = steps.find((step) => step.type === 'TransferReceived' && step.description.includes('t-0007'))!;
    expect(received.balances.find((b) => b.holderId === 'cf-150105')).toMatchObject({ beforeFen: 0, afterFen: wan('2020.00'), deltaFen: wan('2020.00') });
  });

  it('filters choose the steps shown, never the balances: the running balances are those of the whole history', () => {
    const whole = replayFund(fund, holders);
    const filtered = replayFund(fund, holders, { countyCode: '150105', from: '2022-11-01', to: '2022-11-30' });
    expect(whole.steps).toHaveLength(191);
    expect(filtered.steps.every((step) => step.occurredAt >= '2022-11-01' && step.occurredAt <= '2022-11-30')).toBe(true);
    for (const step of filtered.steps) expect(step).toEqual(whole.steps.find((candidate) => candidate.eventId === step.eventId));
    // the duplicate payout of 2022-11-11 and its reversal are both there, and the payout says it was reversed
    const duplicate = filtered.steps.find((step) => step.type === 'PayoutMade' && step.occurredAt === '2022-11-11')!;
    expect(duplicate.reversedBy).toBeDefined();
    expect(filtered.steps.some((step) => step.eventId === duplicate.reversedBy)).toBe(true);
  });

  it('a project filter shows the project’s registration and payouts', () => {
    const steps = replayFund(fund, holders, { projectId: 'proj-b2-018' }).steps;
    expect(steps.map((step) => step.type)).toEqual(['ProjectRegistered', 'PayoutMade']);
  });
});

describe('state as of a date or a log position', () => {
  it('at the end it agrees with the report: 2351.02万 at enterprises, 1804.65万 in the pool, everything conserved', () => {
    const state = stateAsOf(fund, holders);
    expect(state).toMatchObject({ budgetFen: wan('15000'), allocatedFen: wan('13195.35'), paidToEnterprisesFen: wan('2351.02'), pooledFen: wan('1804.65'), unallocatedFen: 0, conserved: true });
  });

  it('as of 2022-12-31 less had reached enterprises, and a position cut equals the date cut at the same point', () => {
    const byDate = stateAsOf(fund, holders, { date: '2022-12-31' });
    expect(byDate.paidToEnterprisesFen).toBe(wan('815.18'));
    expect(byDate.conserved).toBe(true);
    const byPosition = stateAsOf(fund, holders, { position: byDate.lastPosition });
    expect(byPosition.balances).toEqual(byDate.balances);
  });

  it('before the appropriation there is nothing', () => {
    expect(stateAsOf(fund, holders, { date: '2022-01-01' })).toMatchObject({ eventsApplied: 0, budgetFen: 0, balances: [] });
  });
});

describe('difference between two dates', () => {
  it('2023 moved 1535.84万 to enterprises while 和林格尔县财政局 kept 1941.31万 all year', () => {
    const difference = differenceBetween(fund, holders, '2022-12-31', '2023-12-31');
    expect(difference.after.paidToEnterprisesFen - difference.before.paidToEnterprisesFen).toBe(wan('2351.02') - wan('815.18'));
    const helin = difference.places.find((place) => place.key === 'holder:cf-150123')!;
    expect(helin).toMatchObject({ beforeFen: wan('2296.17'), outflowFen: wan('354.86'), afterFen: wan('1941.31'), stayedFen: wan('1941.31') });
    expect(difference.moved.every((step) => step.occurredAt > '2022-12-31' && step.occurredAt <= '2023-12-31')).toBe(true);
  });
});

describe('duplicate awards', () => {
  it('finds 正耐电气: two 30万 awards in 技术装备首台（套）、关键零部件首批次 in 2022, through 28号 and the 专班', () => {
    const report = findDuplicates(buildAwardIndex(all, holders));
    const zhengnai = report.sameDirection.find((group) => group.enterprise === HOHHOT_2022_REPORT.duplicate.enterprise)!;
    expect(zhengnai).toMatchObject({ fiscalYear: 2022, direction: HOHHOT_2022_REPORT.duplicate.direction, paidFen: wan('60'), acrossChannels: true, allPaid: true });
    expect(zhengnai.projects.map((project) => project.name).sort()).toEqual([...HOHHOT_2022_REPORT.duplicate.projects].sort());
    expect(zhengnai.projects.flatMap((project) => project.channels).sort()).toEqual(['呼工信发〔2022〕87号', '呼财工指〔2022〕28号']);
    expect(report.sameDirection[0].enterprise).toBe('正耐电气股份有限公司'); // the most serious first
  });

  it('finds the same project paid twice (p-0008, p-0009), and that the second payment was reversed', () => {
    const report = findDuplicates(buildAwardIndex(all, holders));
    const twice = report.sameProject.find((group) => group.reason === 'paid-twice')!;
    expect(twice.payouts.map((payout) => [payout.payoutId, payout.reversed])).toEqual([['p-0008', false], ['p-0009', true]]);
    expect(twice.corrected).toBe(true);
  });
});

describe('enterprise history', () => {
  it('正耐电气 by name, by credit code and by id: two awards, two payouts, 60万 in all', () => {
    const index = buildAwardIndex(all, holders);
    const byName = findEnterprise(holders, '正耐电气');
    expect(findEnterprise(holders, byName.creditCode!)).toBe(byName);
    const history = enterpriseHistory(index, byName);
    expect(history.entries.map((entry) => [entry.on, entry.kind])).toEqual([
      ['2022-07-29', 'award'],
      ['2022-09-16', 'award'],
      ['2022-10-28', 'payout'],
      ['2022-11-15', 'payout'],
    ]);
    expect(history).toMatchObject({ approvedFen: wan('60'), paidFen: wan('60'), years: [2022] });
  });

  it('an ambiguous name names the candidates', () => {
    expect(() => findEnterprise(holders, '示例')).toThrow(/matches \d+ enterprises/);
  });
});

describe('reconciliation', () => {
  it('sets the report’s figures beside the ledger: budget, allocated and spent agree; 18.09% is reproduced by no usual base', () => {
    const result = reconcile(ledgerFigures(fund, holders), {
      unit: 'wan',
      budgetFen: wan('15000'),
      allocatedFen: wan('13195.35'),
      spentFen: wan('2351.02'),
      executionRate: '18.09',
    });
    expect(result.figures.every((figure) => figure.agrees)).toBe(true);
    expect(result.rate!.reproducedBy).toEqual([]);
    expect(result.rate!.candidates.map((candidate) => candidate.rate)).toEqual(expect.arrayContaining(['15.67', '17.82']));
    expect(result.rate!.impliedBase).toMatchObject({ fromFen: expect.any(Number), toFen: expect.any(Number) });
    expect(result.rate!.conclusion_en).toContain('none of the usual bases reproduces the reported execution rate of 18.09%');
    expect(result.rate!.conclusion_zh).toContain('12992.65–12999.83');
  });

  it('names the formula when one reproduces the figure: 17.82% is paid ÷ allocated', () => {
    const result = reconcile(ledgerFigures(fund, holders), { unit: 'wan', spentFen: wan('2351.02'), executionRate: '17.82' });
    expect(result.rate!.reproducedBy[0]).toContain('÷ 下达数');
  });

  it('a figure that differs shows the difference', () => {
    const result = reconcile(ledgerFigures(fund, holders), { unit: 'wan', spentFen: wan('2400') });
    expect(result.figures[0]).toMatchObject({ agrees: false, differenceFen: wan('2400') - wan('2351.02') });
  });
});
