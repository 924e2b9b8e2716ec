/**
 * Proves: each threshold (warning at 80 %, overdue at the limit, escalation at twice the limit) is crossed on
 * the right day, once, for the money still there; money that moves on resolves its alerts; FIFO decides which
 * money left; project payout waits; policy versions; alert ids are stable. Pure: no store, no clock.
 */
import { wan } from '../../src/domain';
import { alertIdOf, crossingDate, decideSetPolicy, defaultPolicy, lotHistory } from '../../src/alerts/domain';
import { FUND, at, brief, given, moneyAtCounty, receive, send } from './alert-spec';

describe('alert thresholds over time (default policy: 30 days, warning at 80 %, escalation at 2×)', () => {
  it('nothing before day 24', () => {
    expect(given(moneyAtCounty()).evaluatedOn('2022-02-02')).toEqual([]);
  });

  it('warning on day 24 (2022-02-03)', () => {
    expect(given(moneyAtCounty()).evaluatedOn('2022-02-03').map(brief)).toEqual([['county', 'warning', '2022-02-03', 50, null]]);
  });

  it('overdue on day 30 (2022-02-09)', () => {
    const findings = given(moneyAtCounty()).evaluatedOn('2022-02-09');
    expect(findings.map(brief)).toEqual([
      ['county', 'warning', '2022-02-03', 50, null],
      ['county', 'breach', '2022-02-09', 50, null],
    ]);
    expect(findings[1]).toMatchObject({ severity: 'breach', limitDays: 30, thresholdDays: 30, since: '2022-01-10', level: 'county-finance', countyCode: '150121', policyVersion: 0 });
  });

  it('escalation on day 60 (2022-03-11), naming the overdue alert it escalates', () => {
    const findings = given(moneyAtCounty()).evaluatedOn('2022-12-31');
    expect(findings.map(brief)).toEqual([
      ['county', 'warning', '2022-02-03', 50, null],
      ['county', 'breach', '2022-02-09', 50, null],
      ['county', 'escalation', '2022-03-11', 50, null],
    ]);
    expect(findings[2]).toMatchObject({ severity: 'critical', escalates: findings[1].alertId });
  });

  it('money that moves on resolves the open alerts on that day, and the next holder’s clock starts on arrival', () => {
    const events = [...moneyAtCounty(), send('2022-02-05', 't2', 'county', 'bureau', '50'), receive('2022-02-07', 't2', 'county', 'bureau', '50')];
    expect(given(events).evaluatedOn('2022-03-31').map(brief)).toEqual([
      ['county', 'warning', '2022-02-03', 50, '2022-02-05'],
      ['bureau', 'warning', '2022-03-03', 50, null],
      ['bureau', 'breach', '2022-03-09', 50, null],
    ]);
  });

  it('the amount is what is still there on the day: part sent on first in, first out', () => {
    const events = [...moneyAtCounty(), send('2022-02-01', 't2', 'county', 'bureau', '20'), receive('2022-02-02', 't2', 'county', 'bureau', '20')];
    const county = given(events).evaluatedOn('2022-02-09').filter((finding) => finding.holderId === 'county');
    expect(county.map(brief)).toEqual([
      ['county', 'warning', '2022-02-03', 30, null],
      ['county', 'breach', '2022-02-09', 30, null],
    ]);
  });

  it('money leaving on the day a threshold is reached raises nothing for that threshold', () => {
    const events = [...moneyAtCounty(), send('2022-02-03', 't2', 'county', 'bureau', '50')];
    expect(given(events).evaluatedOn('2022-02-04')).toEqual([]);
  });

  it('evaluating a past date ignores what happened after it', () => {
    const events = [...moneyAtCounty(), send('2022-02-05', 't2', 'county', 'bureau', '50')];
    expect(given(events).evaluatedOn('2022-02-04').map(brief)).toEqual([['county', 'warning', '2022-02-03', 50, null]]);
  });

  it('alert ids are derived from fund, lot and threshold: the same on every evaluation, different per threshold', () => {
    const first = given(moneyAtCounty()).evaluatedOn('2022-12-31').map((finding) => finding.alertId);
    const again = given(moneyAtCounty()).evaluatedOn('2023-06-30').map((finding) => finding.alertId);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(3);
    expect(first[0]).toBe(alertIdOf(FUND, 't1-received#0', 'warning'));
  });
});

describe('FIFO lots', () => {
  it('takes the oldest money first', () => {
    const events = [
      ...moneyAtCounty(),
      at('2022-01-20', { type: 'AllocationIssued', data: { fundId: FUND, allocationId: 'a2', document: '2号', amountFen: wan('30'), direction: '工业', cityFinanceHolderId: 'city' } }, 'a2'),
      send('2022-01-21', 't3', 'city', 'county', '30'),
      receive('2022-01-25', 't3', 'city', 'county', '30'),
      send('2022-02-01', 't4', 'county', 'bureau', '60'),
    ];
    const county = lotHistory(events).filter((lot) => lot.holderId === 'county');
    expect(county.map((lot) => [lot.ageFrom, lot.remainingFen / 1_000_000, lot.closedOn ?? null])).toEqual([
      ['2022-01-10', 0, '2022-02-01'],
      ['2022-01-25', 20, null],
    ]);
  });

  it('a reversed payout comes back with the age it had: a corrected mistake does not restart the clock', () => {
    const events = [
      ...moneyAtCounty(),
      at('2022-01-12', { type: 'ProjectRegistered', data: { fundId: FUND, projectId: 'p1', name: '项目', enterpriseHolderId: 'ent', county: { code: '150121', name: '土默特左旗' }, direction: '首台套', batch: 1, category: 'fulfilment', approvedFen: wan('10') } }, 'p1'),
      at('2022-01-20', { type: 'PayoutMade', data: { fundId: FUND, payoutId: 'pay1', fromHolderId: 'county', enterpriseHolderId: 'ent', projectId: 'p1', direction: '首台套', amountFen: wan('50') } }, 'pay1'),
      at('2022-01-22', {
        type: 'EventReversed',
        data: { fundId: FUND, reversalId: 'x1', reversedEventId: 'pay1', reversedType: 'PayoutMade', reason: '重复录入', projectId: 'p1', movements: [{ from: { kind: 'holder', holderId: 'ent' }, to: { kind: 'holder', holderId: 'county' }, amountFen: wan('50') }] },
      }, 'x1'),
    ];
    const county = lotHistory(events).filter((lot) => lot.holderId === 'county');
    expect(county.map((lot) => [lot.eventId, lot.ageFrom, lot.remainingFen / 1_000_000])).toEqual([
      ['t1-received', '2022-01-10', 0],
      ['x1', '2022-01-10', 50],
    ]);
    expect(given(events).evaluatedOn('2022-02-03').filter((finding) => finding.kind === 'dwell').map(brief)).toEqual([['county', 'warning', '2022-02-03', 50, null]]);
  });
});

describe('project payout wait (default 90 days from registration to full payout)', () => {
  const registered = at('2022-01-10', { type: 'ProjectRegistered', data: { fundId: FUND, projectId: 'p1', name: '智能模块化预装式变电站', enterpriseHolderId: 'ent', county: { code: '150121', name: '土默特左旗' }, direction: '首台套', batch: 2, category: 'fulfilment', approvedFen: wan('30') } }, 'p1');

  it('warns on day 72, is overdue on day 90, and is resolved when paid in full', () => {
    const pay = (date: string, id: string, amountWan: string) =>
      at(date, { type: 'PayoutMade', data: { fundId: FUND, payoutId: id, fromHolderId: 'county', enterpriseHolderId: 'ent', projectId: 'p1', direction: '首台套', amountFen: wan(amountWan) } }, id);
    const events = [...moneyAtCounty(), registered, pay('2022-03-01', 'pay1', '10'), pay('2022-04-20', 'pay2', '20')];
    const waits = given(events).evaluatedOn('2022-12-31').filter((finding) => finding.kind === 'payout-wait');
    expect(waits.map(brief)).toEqual([
      ['ent', 'warning', '2022-03-23', 20, '2022-04-20'],
      ['ent', 'breach', '2022-04-10', 20, '2022-04-20'],
    ]);
    expect(waits[0]).toMatchObject({ projectId: 'p1', projectName: '智能模块化预装式变电站', level: 'enterprise' });
  });

  it('a cancelled project stops waiting', () => {
    const cancelled = at('2022-03-01', { type: 'ProjectCancelled', data: { fundId: FUND, projectId: 'p1', reason: '撤销' } }, 'c1');
    expect(given([...moneyAtCounty(), registered, cancelled]).evaluatedOn('2022-12-31').filter((finding) => finding.kind === 'payout-wait')).toEqual([]);
  });
});

describe('policy versions', () => {
  it('a stricter county limit from a date: alerts name the version that raised them', () => {
    const v1 = decideSetPolicy({ limitDays: { 'county-finance': 10 }, effectiveFrom: '2022-01-01' }, defaultPolicy(FUND)).data;
    const findings = given(moneyAtCounty()).policies(v1).evaluatedOn('2022-01-31');
    expect(findings.map(brief)).toEqual([
      ['county', 'warning', '2022-01-18', 50, null],
      ['county', 'breach', '2022-01-20', 50, null],
      ['county', 'escalation', '2022-01-30', 50, null],
    ]);
    expect(findings.every((finding) => finding.policyVersion === 1)).toBe(true);
  });

  it('refuses a warning fraction outside (0, 1) and an escalation multiple not above 1', () => {
    expect(() => decideSetPolicy({ warningFraction: 1.2, effectiveFrom: '2022-01-01' }, defaultPolicy(FUND))).toThrow(/warningFraction/);
    expect(() => decideSetPolicy({ escalationMultiple: 1, effectiveFrom: '2022-01-01' }, defaultPolicy(FUND))).toThrow(/escalationMultiple/);
    expect(() => decideSetPolicy({ limitDays: { park: 0 }, effectiveFrom: '2022-01-01' }, defaultPolicy(FUND))).toThrow(/limitDays.park/);
  });
});

describe('crossingDate', () => {
  it('skips paused days, overlapping pauses counted once', () => {
    expect(crossingDate('2022-01-10', 24, [])).toEqual({ date: '2022-02-03', pausedDays: 0 });
    expect(crossingDate('2022-01-10', 24, [{ from: '2022-01-25', until: '2022-03-01' }])).toEqual({ date: '2022-03-10', pausedDays: 35 });
    expect(crossingDate('2022-01-10', 24, [{ from: '2022-01-25', until: '2022-02-10' }, { from: '2022-02-01', until: '2022-03-01' }]).date).toBe('2022-03-10');
    expect(crossingDate('2022-01-10', 24, [{ from: '2021-12-01', until: '2022-01-20' }])).toEqual({ date: '2022-02-13', pausedDays: 10 });
  });
});
