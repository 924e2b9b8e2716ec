/**
 * Proves: a deferral (延期拨付) pauses the clock only with BOTH approvals (city finance bureau and the
 * responsible department), in either order; one approval, a rejection or a lapse pauses nothing; the clock
 * runs again after the new date; the decider refuses one person approving twice or for both bodies.
 */
import { type DeferralCommand, LedgerRefusalCheck, decideDeferral, deferralStatus } from './deferral-helpers';
import { brief, deferralFrom, given, moneyAtCounty } from './alert-spec';

const request: DeferralCommand = {
  kind: 'RequestDeferral',
  deferralId: 'd1',
  fundId: 'f-alerts',
  target: { kind: 'holder', holderId: 'county' },
  reason: '项目尚未完成验收，企业未提交兑现材料',
  untilDate: '2022-03-01',
  occurredAt: '2022-01-20',
  requestedBy: 'county-clerk',
};
const approve = (body: 'city-finance' | 'department', occurredAt: string, actorId = `${body}-chief`): DeferralCommand => ({ kind: 'ApproveDeferral', deferralId: 'd1', body, actorId, note: '同意', occurredAt });
const reject = (body: 'city-finance' | 'department', occurredAt: string): DeferralCommand => ({ kind: 'RejectDeferral', deferralId: 'd1', body, actorId: `${body}-chief`, note: '理由不充分', occurredAt });

const COUNTY_UNPAUSED = [
  ['county', 'warning', '2022-02-03', 50, null],
  ['county', 'breach', '2022-02-09', 50, null],
];

describe('deferral: in force only with both approvals', () => {
  it('city finance first, then the department: the clock stops from the second approval until the new date', () => {
    const deferral = deferralFrom([request, approve('city-finance', '2022-01-22'), approve('department', '2022-01-25')]);
    expect(deferral.inForceFrom).toBe('2022-01-25');
    expect(deferralStatus(deferral, '2022-02-01')).toBe('in-force');
    // 15 days ran (01-10 → 01-25), 35 paused (01-25 → 03-01), the other 9 after: warning on 03-10
    const findings = given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-03-16');
    expect(findings.map(brief)).toEqual([
      ['county', 'warning', '2022-03-10', 50, null],
      ['county', 'breach', '2022-03-16', 50, null],
    ]);
    expect(findings[0].pausedDays).toBe(35);
  });

  it('the department first, then city finance: the same', () => {
    const deferral = deferralFrom([request, approve('department', '2022-01-21'), approve('city-finance', '2022-01-25')]);
    expect(deferral.inForceFrom).toBe('2022-01-25');
    expect(given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-03-16').map(brief)).toEqual([
      ['county', 'warning', '2022-03-10', 50, null],
      ['county', 'breach', '2022-03-16', 50, null],
    ]);
  });

  it('one approval alone pauses nothing', () => {
    const deferral = deferralFrom([request, approve('city-finance', '2022-01-22')]);
    expect(deferralStatus(deferral, '2022-02-01')).toBe('pending');
    expect(given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-02-09').map(brief)).toEqual(COUNTY_UNPAUSED);
  });

  it('a rejection pauses nothing, even after the other body approved', () => {
    const deferral = deferralFrom([request, approve('city-finance', '2022-01-22'), reject('department', '2022-01-24')]);
    expect(deferralStatus(deferral, '2022-01-24')).toBe('rejected');
    expect(given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-02-09').map(brief)).toEqual(COUNTY_UNPAUSED);
    LedgerRefusalCheck(() => decideDeferral(approve('department', '2022-01-25'), deferral), 'deferral-not-pending');
  });

  it('a request not approved by both before its new date lapses and can no longer be approved', () => {
    const deferral = deferralFrom([request, approve('department', '2022-01-22')]);
    expect(deferralStatus(deferral, '2022-03-01')).toBe('lapsed');
    LedgerRefusalCheck(() => decideDeferral(approve('city-finance', '2022-03-02'), deferral), 'deferral-not-pending');
  });

  it('once the new date is reached the clock runs again (the deferral has ended)', () => {
    const deferral = deferralFrom([request, approve('city-finance', '2022-01-22'), approve('department', '2022-01-25')]);
    expect(deferralStatus(deferral, '2022-03-01')).toBe('ended');
    // escalation at 60 counted days: 15 before the pause, 45 after 03-01 → 04-15
    const escalation = given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-12-31').find((finding) => finding.threshold === 'escalation');
    expect(escalation?.crossedOn).toBe('2022-04-15');
  });

  it('an approval recorded after the evaluation date is not known on that date', () => {
    const deferral = deferralFrom([request, approve('city-finance', '2022-01-22'), approve('department', '2022-02-20')]);
    // in force from 02-20: the warning (02-03) and the overdue alert (02-09) came before it and stand
    expect(given(moneyAtCounty()).deferrals(deferral).evaluatedOn('2022-02-09').map(brief)).toEqual(COUNTY_UNPAUSED);
  });

  it('refuses: the same body twice, one person for both bodies, the requester approving, a request without reason or with a past date', () => {
    const once = deferralFrom([request, approve('city-finance', '2022-01-22')]);
    LedgerRefusalCheck(() => decideDeferral(approve('city-finance', '2022-01-23', 'someone-else'), once), 'already-approved');
    LedgerRefusalCheck(() => decideDeferral(approve('department', '2022-01-23', 'city-finance-chief'), once), 'same-approver');
    LedgerRefusalCheck(() => decideDeferral(approve('department', '2022-01-23', 'county-clerk'), once), 'same-approver');
    LedgerRefusalCheck(() => decideDeferral({ ...request, reason: '  ' } as DeferralCommand, undefined), 'bad-deferral');
    LedgerRefusalCheck(() => decideDeferral({ ...request, untilDate: '2022-01-19' } as DeferralCommand, undefined), 'bad-deferral');
    LedgerRefusalCheck(() => decideDeferral(approve('department', '2022-01-23'), undefined), 'unknown-deferral');
  });
});
