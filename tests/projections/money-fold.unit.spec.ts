/**
 * Given/when/then for the pure FIFO fold behind balances and dwell time: what lots exist where, with which
 * ages and attribution, after receipts, sends, reversals and returns. No database.
 */
import type { Place } from '../../src/domain/events';
import type { RecordedEvent } from '../../src/event-store/event-store.port';
import { MoneyFold, dayNumber } from '../../projections/money/money-fold';

const FUND = 'f';
let position = 0;
function event(type: string, data: Record<string, unknown>, occurredAt: string, eventId = `e${position + 1}`): RecordedEvent {
  position++;
  return {
    eventId,
    type,
    data: { fundId: FUND, ...data },
    metadata: { actor: { id: 't', role: 't' }, occurredAt, recordedAt: '2023-01-01T00:00:00Z', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
    streamId: 'fund-f',
    version: position - 1,
    position,
    prevHash: '',
    hash: '',
  };
}
const holder = (holderId: string, level: string, county?: string) =>
  event('HolderRegistered', { holderId, name: holderId, level, ...(county ? { county: { code: county, name: county } } : {}) }, '2022-01-01');
const at = (holderId: string): Place => ({ kind: 'holder', holderId });

function given(...events: RecordedEvent[]): MoneyFold {
  const fold = new MoneyFold({ fresh: true });
  for (const recorded of events) fold.apply(recorded);
  return fold;
}
const lots = (fold: MoneyFold, place: Place) => fold.lotsAt(FUND, place).map((lot) => ({ fen: lot.remaining_fen, ageFrom: lot.age_from, allocation: lot.allocation_id }));

beforeEach(() => {
  position = 0;
});

function budgetAt(): RecordedEvent[] {
  return [
    holder('city', 'city-finance'),
    holder('county', 'county-finance', '150121'),
    holder('ent', 'enterprise', '150121'),
    holder('pool', 'pool'),
    event('FundAppropriated', { name: 'F', fiscalYear: 2022, budgetFen: 1000, cityFinanceHolderId: 'city' }, '2022-01-10'),
    event('AllocationIssued', { allocationId: 'a1', document: 'D1', amountFen: 300, direction: 'x', cityFinanceHolderId: 'city' }, '2022-02-01'),
    event('AllocationIssued', { allocationId: 'a2', document: 'D2', amountFen: 500, direction: 'y', cityFinanceHolderId: 'city' }, '2022-03-01'),
  ];
}

test('the unallocated budget is a place with its own age; each allocation is a lot at the city finance bureau carrying its document', () => {
  const fold = given(...budgetAt());
  expect(lots(fold, { kind: 'unallocated' })).toEqual([{ fen: 200, ageFrom: '2022-01-10', allocation: null }]);
  expect(lots(fold, at('city'))).toEqual([
    { fen: 300, ageFrom: '2022-02-01', allocation: 'a1' },
    { fen: 500, ageFrom: '2022-03-01', allocation: 'a2' },
  ]);
});

test('sending consumes the oldest lots first, and the dwell of each piece is counted from its arrival', () => {
  const fold = given(...budgetAt(), event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 400 }, '2022-04-01'));
  expect(lots(fold, at('city'))).toEqual([{ fen: 400, ageFrom: '2022-03-01', allocation: 'a2' }]);
  const transit = fold.lotsAt(FUND, { kind: 'transit', transferId: 't1' });
  expect(transit.map((lot) => [lot.amount_fen, lot.dwell_days, lot.allocation_id, lot.to_level])).toEqual([
    [300, 59, 'a1', 'county-finance'],
    [100, 31, 'a2', 'county-finance'],
  ]);
});

test('a transfer naming an allocation takes that allocation’s lots first, even when others are older', () => {
  const fold = given(...budgetAt(), event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 400, allocationId: 'a2' }, '2022-04-01'));
  expect(lots(fold, at('city'))).toEqual([
    { fen: 300, ageFrom: '2022-02-01', allocation: 'a1' },
    { fen: 100, ageFrom: '2022-03-01', allocation: 'a2' },
  ]);
});

test('receipt starts a new clock at the receiver; a reversed payout goes back to the payer keeping the age it had there', () => {
  const fold = given(
    ...budgetAt(),
    event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-01'),
    event('TransferReceived', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-05'),
    event('PayoutMade', { payoutId: 'p1', fromHolderId: 'county', enterpriseHolderId: 'ent', projectId: 'pr1', direction: '首台套', amountFen: 120 }, '2022-06-01', 'payout-1'),
  );
  expect(lots(fold, at('county'))).toEqual([{ fen: 180, ageFrom: '2022-04-05', allocation: 'a1' }]);
  const paid = fold.lotsAt(FUND, at('ent'));
  expect(paid.map((lot) => [lot.amount_fen, lot.direction, lot.project_id, lot.county_code, lot.allocation_id, lot.dwell_days])).toEqual([[120, '首台套', 'pr1', '150121', 'a1', 57]]);

  fold.apply(
    event(
      'EventReversed',
      { reversalId: 'r1', reversedEventId: 'payout-1', reversedType: 'PayoutMade', reason: 'wrong', movements: [{ from: at('ent'), to: at('county'), amountFen: 120 }], projectId: 'pr1' },
      '2022-07-01',
    ),
  );
  expect(fold.lotsAt(FUND, at('ent'))).toEqual([]);
  // the 120 is back at the county with the county's original arrival date, so it is the oldest money there again
  expect(lots(fold, at('county'))).toEqual([
    { fen: 180, ageFrom: '2022-04-05', allocation: 'a1' },
    { fen: 120, ageFrom: '2022-04-05', allocation: 'a1' },
  ]);
});

test('a reversed receipt puts the money back in transit with its transit age; a reversed send returns it to the sender with the sender’s age', () => {
  const fold = given(
    ...budgetAt(),
    event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-01', 'sent-1'),
    event('TransferReceived', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-05', 'received-1'),
  );
  fold.apply(
    event('EventReversed', { reversalId: 'r1', reversedEventId: 'received-1', reversedType: 'TransferReceived', reason: '', movements: [{ from: at('county'), to: { kind: 'transit', transferId: 't1' }, amountFen: 300 }] }, '2022-04-10'),
  );
  expect(lots(fold, { kind: 'transit', transferId: 't1' })).toEqual([{ fen: 300, ageFrom: '2022-04-01', allocation: 'a1' }]);
  fold.apply(
    event('EventReversed', { reversalId: 'r2', reversedEventId: 'sent-1', reversedType: 'TransferSent', reason: '', movements: [{ from: { kind: 'transit', transferId: 't1' }, to: at('city'), amountFen: 300 }] }, '2022-04-11'),
  );
  expect(lots(fold, at('city'))).toEqual([
    { fen: 300, ageFrom: '2022-02-01', allocation: 'a1' },
    { fen: 500, ageFrom: '2022-03-01', allocation: 'a2' },
  ]);
});

test('a sweep takes the unallocated budget into the pool; a return sends money up as a new lot at the receiver', () => {
  const fold = given(
    ...budgetAt(),
    event('FundsReturned', { returnId: 's1', fromHolderId: 'city', toHolderId: 'pool', amountFen: 200, kind: 'sweep', reason: '' }, '2022-12-31'),
    event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-01'),
    event('TransferReceived', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 300 }, '2022-04-05'),
    event('FundsReturned', { returnId: 'u1', fromHolderId: 'county', toHolderId: 'city', amountFen: 50, kind: 'return', reason: '' }, '2022-11-01'),
  );
  expect(lots(fold, { kind: 'unallocated' })).toEqual([]);
  expect(lots(fold, at('pool'))).toEqual([{ fen: 200, ageFrom: '2022-12-31', allocation: null }]);
  expect(lots(fold, at('city'))).toEqual([
    { fen: 500, ageFrom: '2022-03-01', allocation: 'a2' },
    { fen: 50, ageFrom: '2022-11-01', allocation: 'a1' },
  ]);
});

test('taking more than a place’s lots hold is an invariant failure, not a silent negative', () => {
  const fold = given(...budgetAt());
  expect(() => fold.apply(event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 900 }, '2022-04-01'))).toThrow(/invariant/);
});

test('lots made since the last hand-over are new rows; lots of earlier batches that money was taken from are updates, once each', () => {
  // given the budget and its allocations folded and handed over (in the tables, or being committed)
  const fold = given(...budgetAt());
  const [a1, a2] = fold.lotsAt(FUND, at('city'));
  fold.handedOver();
  // when the next batch sends 400 (all of a1, part of a2) in two transfers and the county passes one on at once
  fold.apply(event('TransferSent', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 250 }, '2022-04-01'));
  fold.apply(event('TransferSent', { transferId: 't2', fromHolderId: 'city', toHolderId: 'county', amountFen: 150 }, '2022-04-02'));
  fold.apply(event('TransferReceived', { transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 250 }, '2022-04-03'));
  // then the older lots taken from are updates (each once, though taken twice), and everything made here is new,
  // including the transit lot that was made and used up within the batch
  expect([...fold.takenLots]).toEqual([a1, a2]);
  expect(fold.newLots.map((lot) => [lot.to_kind, lot.to_id, lot.amount_fen, lot.remaining_fen])).toEqual([
    ['transit', 't1', 250, 0],
    ['transit', 't2', 50, 50],
    ['transit', 't2', 100, 100],
    ['holder', 'county', 250, 250],
  ]);
  // and after the hand-over both start empty
  fold.handedOver();
  expect([fold.newLots.length, fold.takenLots.size]).toEqual([0, 0]);
});

test('a business date is its day number, by arithmetic, the same as Date.parse gives for every day of 1900–2100', () => {
  const byDate = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
  for (let time = Date.UTC(1900, 0, 1); time <= Date.UTC(2100, 11, 31); time += 86_400_000) {
    const date = new Date(time).toISOString().slice(0, 10);
    if (dayNumber(date) !== byDate(date) || dayNumber(`${date}T08:00:00Z`) !== byDate(date)) throw new Error(`dayNumber(${date}) = ${dayNumber(date)}, Date.parse: ${byDate(date)}`);
  }
  // what is not a real day is left to Date.parse, as before (which rolls 30 February over into March)
  expect(dayNumber('2022-02-30')).toBe(byDate('2022-02-30'));
  expect(() => dayNumber('2022-13-01')).toThrow(/not a business date/);
  expect(() => dayNumber('not a date')).toThrow(/not a business date/);
});

test('an enterprise paid in a batch stays in memory while that batch may still be committing, and is evicted after the next batch leaves it alone', () => {
  // given a payout to an enterprise, handed over (its commit may still be under way while the next batch folds)
  const fold = given(
    ...budgetAt(),
    event('PayoutMade', { payoutId: 'p1', fromHolderId: 'city', enterpriseHolderId: 'ent', projectId: 'pr1', direction: 'd', amountFen: 100 }, '2022-06-01', 'payout-1'),
  );
  fold.handedOver();
  const reversal = () =>
    event(
      'EventReversed',
      { reversalId: 'r1', reversedEventId: 'payout-1', reversedType: 'PayoutMade', reason: '', movements: [{ from: at('ent'), to: at('city'), amountFen: 100 }] },
      '2022-07-01',
    );
  // then the next batch finds its lots in memory: nothing is read back from tables that may not have them yet
  expect(fold.placesToLoad([reversal()])).toEqual([]);
  expect(lots(fold, at('ent'))).toEqual([{ fen: 100, ageFrom: '2022-06-01', allocation: 'a1' }]);
  // when a batch that did not touch it is handed over (by then the payout's batch has landed), it is evicted
  fold.handedOver();
  // then money leaving it must first be loaded back from the tables
  expect(fold.placesToLoad([reversal()]).map((place) => place.key)).toEqual(['f|holder|ent']);
  expect(() => fold.apply(reversal())).toThrow(/not in memory/);
});

test('loading a place back keeps the lots that arrived since it was forgotten, whether or not their batch has landed in the tables', () => {
  // given an enterprise paid, forgotten after two hand-overs, then paid again in a batch handed over (maybe in
  // flight), and once more in the batch being folded
  const payout = (id: string, fen: number, date: string) =>
    event('PayoutMade', { payoutId: id, fromHolderId: 'city', enterpriseHolderId: 'ent', projectId: 'pr1', direction: 'd', amountFen: fen }, date, id);
  const scenario = () => {
    position = 0;
    const fold = new MoneyFold({ fresh: true });
    for (const recorded of [...budgetAt(), payout('p1', 100, '2022-06-01')]) fold.apply(recorded);
    const p1Row = { ...fold.lotsAt(FUND, at('ent'))[0] };
    fold.handedOver();
    fold.handedOver();
    fold.apply(payout('p2', 30, '2022-06-10'));
    const p2 = fold.lotsAt(FUND, at('ent'))[0];
    fold.handedOver();
    fold.apply(payout('p3', 20, '2022-06-20'));
    return { fold, p1Row, p2 };
  };
  const held = (fold: MoneyFold) => lots(fold, at('ent')).map((lot) => [lot.fen, lot.ageFrom]);
  const all = [
    [100, '2022-06-01'],
    [30, '2022-06-10'],
    [20, '2022-06-20'],
  ];
  // when the tables give back only p1's lot (p2's batch has not landed yet), then the place holds all three, oldest first
  const before = scenario();
  before.fold.loadPlace({ fundId: FUND, kind: 'holder', id: 'ent' }, [before.p1Row], 'enterprise');
  expect(held(before.fold)).toEqual(all);
  // when they give back p2's lot too (it has landed), then it is there once, as the object in memory
  const after = scenario();
  after.fold.loadPlace({ fundId: FUND, kind: 'holder', id: 'ent' }, [after.p1Row, { ...after.p2 }], 'enterprise');
  expect(held(after.fold)).toEqual(all);
  expect(after.fold.lotsAt(FUND, at('ent'))[1]).toBe(after.p2);
});
