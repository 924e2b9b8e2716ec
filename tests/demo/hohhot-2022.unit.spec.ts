/**
 * The Hohhot 2022 demo script, executed purely through the deciders, agrees with every figure of the seed report
 * (/work/shared/seed/000_539e91154b0d3f77.txt) and with the ledger's invariants.
 */
import {
  DIRECTIONS,
  HOHHOT_2022_FUND_ID,
  HOHHOT_2022_REPORT,
  HOHHOT_ENTERPRISES,
  buildHohhot2022Script,
} from '../../src/demo/hohhot-2022';
import { type DemoStep, isFundStep, isHolderStep, parseDemoEventRef } from '../../src/demo/demo-script';
import { type PureRunResult, heldByLevel, inTransit, runScriptPure } from '../../src/demo/run-script';
import {
  type FundState,
  type Holder,
  type LedgerEvent,
  LEVELS,
  assertConservation,
  isValidCreditCode,
  percent,
  wan,
} from '../../src/domain';

const FUND = HOHHOT_2022_FUND_ID;

type EventOf<T extends LedgerEvent['type']> = Extract<LedgerEvent, { type: T }>;

function eventsOf<T extends LedgerEvent['type']>(result: PureRunResult, type: T): { event: EventOf<T>; occurredAt?: string; eventId: string }[] {
  return result.events
    .filter((recorded) => recorded.event.type === type)
    .map((recorded) => ({ event: recorded.event as EventOf<T>, occurredAt: recorded.occurredAt, eventId: recorded.eventId }));
}

describe('demo: 呼和浩特市 2022年工业高质量发展专项资金, rebuilt from the evaluation report', () => {
  let script: DemoStep[];
  let result: PureRunResult;
  let fund: FundState;
  let holders: ReadonlyMap<string, Holder>;
  let conservationChecks = 0;

  beforeAll(() => {
    // given the script, when it runs through the deciders, checking conservation after every fund step
    script = buildHohhot2022Script();
    result = runScriptPure(script, {
      afterStep: ({ fund: state }) => {
        if (state) {
          assertConservation(state);
          conservationChecks++;
        }
      },
    });
    fund = result.funds.get(FUND)!;
    holders = result.registry.holders;
  });

  const held = (holderId: string): number => fund.balances.get(holderId) ?? 0;
  const holdersAt = (level: Holder['level']): Holder[] => [...holders.values()].filter((h) => h.level === level);
  const projects = () => [...fund.projects.values()];
  const netPaid = (): number => {
    const payouts = eventsOf(result, 'PayoutMade').reduce((sum, { event }) => sum + event.data.amountFen, 0);
    const reversedPayouts = eventsOf(result, 'EventReversed')
      .filter(({ event }) => event.data.reversedType === 'PayoutMade')
      .reduce((sum, { event }) => sum + event.data.movements.reduce((s, m) => s + m.amountFen, 0), 0);
    return payouts - reversedPayouts;
  };

  describe('the script as data', () => {
    it('is deterministic: building it twice gives the same steps (no random ids, no clock)', () => {
      expect(JSON.stringify(buildHohhot2022Script())).toBe(JSON.stringify(script));
    });

    it('registers every holder first, then runs the fund commands in business-date order within 2022 and 2023', () => {
      const firstFundStep = script.findIndex(isFundStep);
      expect(script.slice(0, firstFundStep).every(isHolderStep)).toBe(true);
      expect(script.slice(firstFundStep).every(isFundStep)).toBe(true);
      const dates = script.filter(isFundStep).map((step) => step.command.occurredAt);
      expect([...dates].sort()).toEqual(dates);
      expect(dates[0] >= '2022-01-01' && dates[dates.length - 1] <= '2023-12-31').toBe(true);
      expect(script.filter(isFundStep).every((step) => step.fundId === FUND && step.actor.id && step.actor.role && step.actor.unit)).toBe(true);
    });

    it('names the event it reverses by a reference that resolves to an event of the run', () => {
      const reversals = script.filter(isFundStep).flatMap((step) => (step.command.kind === 'ReverseEvent' ? [step.command] : []));
      expect(reversals.length).toBeGreaterThanOrEqual(2);
      const ids = new Set(result.events.map((recorded) => recorded.eventId));
      for (const reversal of reversals) {
        expect(parseDemoEventRef(reversal.eventId)).toBeDefined();
        expect(ids.has(reversal.eventId)).toBe(true);
      }
    });
  });

  describe('executed through the deciders', () => {
    it('accepts every step, and conservation holds after every fund step', () => {
      expect(result.stepsRun).toBe(script.length);
      expect(conservationChecks).toBe(script.filter(isFundStep).length);
      assertConservation(fund);
    });

    it('numbers each stream 0, 1, 2 … and gives every event a distinct id', () => {
      for (const streamId of ['holders', `fund-${FUND}`]) {
        const versions = result.events.filter((recorded) => recorded.streamId === streamId).map((recorded) => recorded.version);
        expect(versions).toEqual(versions.map((_, index) => index));
      }
      expect(fund.version).toBe(result.events.filter((recorded) => recorded.streamId === `fund-${FUND}`).length - 1);
      expect(new Set(result.events.map((recorded) => recorded.eventId)).size).toBe(result.events.length);
    });
  });

  describe('the budget and its allocations (二、资金投入及使用情况)', () => {
    it('budgets 15000万元 for 2022年工业高质量发展专项资金, held by 呼和浩特市财政局', () => {
      const [appropriated] = eventsOf(result, 'FundAppropriated');
      expect(appropriated.event.data).toMatchObject({
        fundId: 'hohhot-2022-industrial',
        name: '2022年工业高质量发展专项资金',
        nameEn: '2022 Industrial High-Quality Development Special Fund',
        fiscalYear: 2022,
        budgetFen: wan('15000'),
      });
      const cityFinance = holders.get(appropriated.event.data.cityFinanceHolderId)!;
      expect(cityFinance).toMatchObject({ name: '呼和浩特市财政局', level: 'city-finance' });
      expect(holdersAt('department').find((h) => h.name === '呼和浩特市工业和信息化局')).toBeDefined();
      expect(fund.budgetFen).toBe(15_000 * 1_000_000);
    });

    it('issues the four allocations by document: 11号 419.18万, 28号 12251.31万, 专班 300万, 一事一议 224.86万', () => {
      const byDocument = Object.fromEntries(eventsOf(result, 'AllocationIssued').map(({ event }) => [event.data.document, event.data.amountFen]));
      expect(byDocument).toEqual({
        '呼财工指〔2022〕11号': wan('419.18'),
        '呼财工指〔2022〕28号': wan('12251.31'),
        [HOHHOT_2022_REPORT.allocations[2].document]: wan('300'),
        [HOHHOT_2022_REPORT.allocations[3].document]: wan('224.86'),
      });
      const directions = eventsOf(result, 'AllocationIssued').map(({ event }) => event.data.direction);
      expect(directions).toContain('六大产业集群专班');
      expect(directions).toContain('一事一议');
      expect([...fund.allocations.values()].every((allocation) => !allocation.reversed)).toBe(true);
    });

    it('sweeps the 1804.65万 never allocated into 呼和浩特市本级统筹, late in 2022 or early 2023, leaving nothing unallocated', () => {
      const sweeps = eventsOf(result, 'FundsReturned').filter(({ event }) => event.data.kind === 'sweep');
      expect(sweeps).toHaveLength(1);
      const [sweep] = sweeps;
      expect(sweep.event.data.amountFen).toBe(wan('1804.65'));
      expect(holders.get(sweep.event.data.toHolderId)).toMatchObject({ name: '呼和浩特市本级统筹', level: 'pool' });
      expect(sweep.occurredAt! >= '2022-10-01' && sweep.occurredAt! <= '2023-03-31').toBe(true);
      expect(fund.unallocatedFen).toBe(0);
      expect(held(sweep.event.data.toHolderId)).toBe(wan('1804.65'));
      // budget = the four allocations + the sweep
      const allocated = [...fund.allocations.values()].reduce((sum, a) => sum + a.amountFen, 0);
      expect(allocated + wan('1804.65')).toBe(wan('15000'));
    });

    it('pays exactly 2351.02万元 to enterprises, net of reversals; enterprises hold exactly that', () => {
      expect(netPaid()).toBe(wan('2351.02'));
      expect(heldByLevel(fund, holders).enterprise).toBe(wan('2351.02'));
      expect(projects().reduce((sum, p) => sum + p.paidFen, 0)).toBe(wan('2351.02'));
    });

    it('shows the execution rate with its base: 15.67% of the budget, 17.82% of what was allocated (the printed 18.09% names no base that reproduces it)', () => {
      const allocated = [...fund.allocations.values()].reduce((sum, a) => sum + a.amountFen, 0);
      expect(allocated).toBe(wan('13195.35'));
      expect(percent(netPaid(), fund.budgetFen)).toBe('15.67');
      expect(percent(netPaid(), allocated)).toBe('17.82');
      expect([percent(netPaid(), fund.budgetFen), percent(netPaid(), allocated)]).not.toContain(HOHHOT_2022_REPORT.executionRatePrinted);
    });
  });

  describe('who was supported (一、项目内容)', () => {
    it('reaches 10 旗县区, each with a finance bureau and an industry bureau', () => {
      const finance = holdersAt('county-finance');
      const countyDepartments = holdersAt('department').filter((h) => h.county);
      expect(finance).toHaveLength(10);
      expect(countyDepartments).toHaveLength(10);
      expect(new Set(finance.map((h) => h.county!.code))).toEqual(new Set(countyDepartments.map((h) => h.county!.code)));
      const codes = Object.fromEntries(finance.map((h) => [h.county!.name, h.county!.code]));
      expect(codes).toMatchObject({
        新城区: '150102',
        回民区: '150103',
        玉泉区: '150104',
        赛罕区: '150105',
        土默特左旗: '150121',
        托克托县: '150122',
        和林格尔县: '150123',
        清水河县: '150124',
        武川县: '150125',
      });
      expect(new Set(projects().map((p) => p.countyCode)).size).toBe(10);
    });

    it('involves 6 parks, the five the report names among them', () => {
      const parks = holdersAt('park');
      expect(parks).toHaveLength(6);
      expect(parks.map((p) => p.name)).toEqual(
        expect.arrayContaining(['金桥经济技术开发区', '金山经济技术开发区', '呼和浩特综合保税区', '和林格尔新区', '托清经济开发区']),
      );
      expect(parks.every((p) => p.county)).toBe(true);
      const parksOfProjects = new Set(eventsOf(result, 'ProjectRegistered').flatMap(({ event }) => (event.data.parkHolderId ? [event.data.parkHolderId] : [])));
      expect(parksOfProjects).toEqual(new Set(parks.map((p) => p.holderId)));
    });

    it('supports 40 enterprises with valid credit codes; only 正耐电气 bears a real name, every other name is marked 示例', () => {
      const enterprises = holdersAt('enterprise');
      expect(enterprises).toHaveLength(40);
      expect(enterprises.every((e) => e.creditCode && isValidCreditCode(e.creditCode))).toBe(true);
      expect(new Set(enterprises.map((e) => e.creditCode)).size).toBe(40);
      const unmarked = enterprises.filter((e) => !e.name.includes('示例')).map((e) => e.name);
      expect(unmarked).toEqual(['正耐电气股份有限公司']);
      expect(HOHHOT_ENTERPRISES.filter((e) => e.realName).map((e) => e.name)).toEqual(['正耐电气股份有限公司']);
      expect(new Set(projects().map((p) => p.enterpriseHolderId)).size).toBe(40);
    });

    it('has 76 projects: batch one 6 projects of 4 enterprises in 土默特左旗 and 和林格尔县; batch two 70 projects of 38 enterprises, 评审类 and 兑现类', () => {
      expect(projects()).toHaveLength(76);
      const one = projects().filter((p) => p.batch === 1);
      const two = projects().filter((p) => p.batch === 2);
      expect(one).toHaveLength(6);
      expect(two).toHaveLength(70);
      const oneEnterprises = new Set(one.map((p) => p.enterpriseHolderId));
      const twoEnterprises = new Set(two.map((p) => p.enterpriseHolderId));
      expect(oneEnterprises.size).toBe(4);
      expect(twoEnterprises.size).toBe(38);
      expect([...oneEnterprises].filter((id) => twoEnterprises.has(id))).toHaveLength(2); // 4 + 38 − 40
      const countyNames = new Map([...holdersAt('county-finance')].map((h) => [h.county!.code, h.county!.name]));
      expect(new Set(one.map((p) => countyNames.get(p.countyCode)))).toEqual(new Set(['土默特左旗', '和林格尔县']));
      expect(new Set(two.map((p) => p.countyCode)).size).toBe(10);
      expect(new Set(two.map((p) => p.category))).toEqual(new Set(['review', 'fulfilment']));
      const twoParks = new Set(
        eventsOf(result, 'ProjectRegistered').flatMap(({ event }) => (event.data.batch === 2 && event.data.parkHolderId ? [event.data.parkHolderId] : [])),
      );
      expect(twoParks.size).toBe(6);
      for (const direction of [DIRECTIONS.FIRST, DIRECTIONS.IIOT, DIRECTIONS.GREEN, DIRECTIONS.GAZELLE, DIRECTIONS.TECH, DIRECTIONS.PARK]) {
        expect(two.some((p) => p.direction === direction)).toBe(true);
      }
    });

    it('approves, per allocation, exactly the allocated amount, and never pays a project more than approved', () => {
      const approvedByAllocation = new Map<string, number>();
      const registered = eventsOf(result, 'ProjectRegistered');
      const documentOf = new Map(eventsOf(result, 'AllocationIssued').map(({ event }) => [event.data.document, event.data.amountFen]));
      for (const { event } of registered) {
        const recorded = result.events.find((r) => r.event === event)!;
        approvedByAllocation.set(recorded.document!, (approvedByAllocation.get(recorded.document!) ?? 0) + event.data.approvedFen);
      }
      expect(approvedByAllocation).toEqual(documentOf);
      expect(projects().every((p) => p.paidFen <= p.approvedFen)).toBe(true);
    });
  });

  describe('the findings (四、存在的问题)', () => {
    it('正耐电气 got 30万 for 智能模块化预装式变电站 and 30万 for 固体绝缘环网开关柜, same direction 首台（套）, through different channels', () => {
      const zhengnai = [...holders.values()].find((h) => h.name === '正耐电气股份有限公司')!;
      const payouts = eventsOf(result, 'PayoutMade').filter(({ event }) => event.data.enterpriseHolderId === zhengnai.holderId);
      expect(payouts).toHaveLength(2);
      expect(payouts.map(({ event }) => event.data.amountFen)).toEqual([wan('30'), wan('30')]);
      expect(new Set(payouts.map(({ event }) => event.data.direction))).toEqual(new Set(['技术装备首台（套）、关键零部件首批次']));
      expect(new Set(payouts.map(({ event }) => fund.projects.get(event.data.projectId)!.name))).toEqual(new Set(['智能模块化预装式变电站', '固体绝缘环网开关柜']));
      expect(new Set(payouts.map(({ event }) => event.data.allocationId)).size).toBe(2);
      expect(new Set(payouts.map(({ event }) => event.data.fromHolderId)).size).toBe(2);
      expect(held(zhengnai.holderId)).toBe(wan('60'));
    });

    it('at 2022-12-31 more than half of the allocated money sits at county finance bureaus and industry bureaus', () => {
      // given the script run only up to the end of 2022
      const endOf2022 = runScriptPure(script, { until: '2022-12-31' });
      const state = endOf2022.funds.get(FUND)!;
      const levels = heldByLevel(state, endOf2022.registry.holders);
      const allocated = [...state.allocations.values()].reduce((sum, a) => sum + a.amountFen, 0);
      // then
      expect(allocated).toBe(wan('13195.35'));
      expect((levels['county-finance'] + levels.department) * 2).toBeGreaterThan(allocated);
      expect(inTransit(state)).toBe(0);
      expect(levels.pool).toBe(wan('1804.65'));
    });

    it('at the end of 2023 most of the allocated money still sits at county level; money held there for months', () => {
      const levels = heldByLevel(fund, holders);
      const allocated = wan('13195.35');
      expect((levels['county-finance'] + levels.department) * 2).toBeGreaterThan(allocated);
      expect(levels['city-finance']).toBe(0);
      expect(inTransit(fund)).toBe(0);
      const sumOfLevels = LEVELS.reduce((sum, level) => sum + levels[level], 0);
      expect(sumOfLevels).toBe(wan('15000'));
    });

    it('records sending and receipt on different dates: money is in transit for days or weeks', () => {
      const sentOn = new Map(eventsOf(result, 'TransferSent').map(({ event, occurredAt }) => [event.data.transferId, occurredAt!]));
      const received = eventsOf(result, 'TransferReceived');
      expect(received.length).toBeGreaterThan(20);
      const days = received.map(({ event, occurredAt }) => (Date.parse(occurredAt!) - Date.parse(sentOn.get(event.data.transferId)!)) / 86_400_000);
      expect(days.every((d) => d >= 3)).toBe(true);
      expect(Math.max(...days)).toBeGreaterThanOrEqual(14);
    });

    it('pays in batches (成熟一批、报送一批): several MakePayouts carry many items at once', () => {
      const batches = new Map<string, number>();
      for (const { event } of eventsOf(result, 'PayoutMade')) {
        if (event.data.batchId) batches.set(event.data.batchId, (batches.get(event.data.batchId) ?? 0) + 1);
      }
      expect(batches.size).toBeGreaterThanOrEqual(5);
      expect(Math.max(...batches.values())).toBeGreaterThanOrEqual(3);
    });

    it('corrects a mistaken transfer by a reversal (冲正) and a double payout by another; returns money up a level', () => {
      const reversals = eventsOf(result, 'EventReversed');
      const ofTransfer = reversals.find(({ event }) => event.data.reversedType === 'TransferSent')!;
      expect(ofTransfer).toBeDefined();
      const transferId = parseDemoEventRef(ofTransfer.event.data.reversedEventId)!.businessId;
      expect(fund.transfers.get(transferId)!.status).toBe('reversed');
      expect(reversals.some(({ event }) => event.data.reversedType === 'PayoutMade')).toBe(true);
      const returns = eventsOf(result, 'FundsReturned').filter(({ event }) => event.data.kind === 'return');
      expect(returns.length).toBeGreaterThanOrEqual(1);
      const order: Holder['level'][] = ['city-finance', 'county-finance', 'department', 'park', 'enterprise'];
      for (const { event } of returns) {
        expect(order.indexOf(holders.get(event.data.toHolderId)!.level)).toBeLessThan(order.indexOf(holders.get(event.data.fromHolderId)!.level));
      }
    });

    it('moves money down the levels: city → county finance or city industry bureau → county industry bureau or park → enterprise', () => {
      for (const { event } of eventsOf(result, 'TransferSent')) {
        const from = holders.get(event.data.fromHolderId)!;
        const to = holders.get(event.data.toHolderId)!;
        if (from.level === 'city-finance') {
          expect(to.level === 'county-finance' || (to.level === 'department' && !to.county)).toBe(true);
        } else {
          expect(from.level).toBe('county-finance');
          expect(['department', 'park']).toContain(to.level);
          expect(to.county!.code).toBe(from.county!.code);
        }
      }
      for (const { event } of eventsOf(result, 'PayoutMade')) {
        expect(['department', 'park']).toContain(holders.get(event.data.fromHolderId)!.level);
      }
    });
  });
});
