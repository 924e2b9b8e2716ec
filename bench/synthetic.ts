/**
 * A province-sized synthetic history for benchmarks, deterministic from a seed.
 *
 * What it models (all names invented, marked 「示范」): a province of `cities` prefecture-level cities, each with a
 * city finance bureau (市财政局), a city industry bureau and a general pool (统筹); `counties` counties, each with a
 * county finance bureau (旗县区财政局) and a county industry bureau (旗县区工信局); a park (园区管委会) in every
 * third county; `enterprises` enterprises with valid unified social credit codes. `funds` special funds over
 * `years` fiscal years, each belonging to one city. Every fund lives about two years:
 *
 *   FundAppropriated → AllocationIssued × 6 (documents, channels) → ProjectRegistered (four batches)
 *   → TransferSent/TransferReceived city finance → county finance (with the allocation, two tranches, in transit
 *     1–45 days, sometimes months) → county industry bureau (after money sat at the county finance bureau for
 *     days or months) → park (for park projects) → PayoutMade to enterprises (1–3 tranches a project, often as
 *     batches 成熟一批、报送一批, retried when the payer has not been funded yet)
 *   → ProjectProgressReported, ProjectClosed, clawbacks (FundsReturned), reversals (EventReversed) of
 *     wrongly addressed transfers and of duplicated payouts, the unused money returned up the chain and the
 *     unallocated budget swept into the pool at the end.
 *
 * VALIDITY: the generator keeps its own light copy of every balance, allocation and project and emits an event
 * only when the fund decider would accept the command behind it (tests/bench/synthetic.unit.spec.ts replays a
 * history through `decideFund` and `evolveFund` and checks that the decider decides exactly the same events).
 *
 * STREAMING: a generator function that yields appends (one stream, several events: one fund's day) lazily.
 * Memory is bounded by the funds alive at once (about 2 of `years` fiscal years) and their projects, not by the
 * number of events; 10,000,000 events is `{ events: 10_000_000 }` (more projects per fund) or more funds/years.
 *
 * DETERMINISM: its own PRNG (mulberry32), no Math.random, no clock: recordedAt is derived from the business date
 * and the position in the log; event ids are UUIDv7-shaped (time-ordered, so the event id index grows at its
 * end), their random bits from the seed.
 */
import type { NewEvent } from '../src/event-store/event-store.port';
import {
  type County,
  type FundEvent,
  type HolderRegistered,
  type Level,
  type Movement,
  type SupportCategory,
  HOLDERS_STREAM,
  SCHEMA_VERSION,
  creditCodeCheckCharacter,
  fundStreamId,
  invert,
  movementsOf,
} from '../src/domain';

// ------------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: 32-bit state, period 2^32, good enough for synthetic data and fast. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** 32 random bits as an unsigned integer. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** [0, 1) */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

// ------------------------------------------------------------------------------------------------
// options

export interface SyntheticOptions {
  seed: number;
  /** Stop after the append that reaches this many events (holders included). The natural size is calibrated to exceed it. */
  events: number;
  funds: number;
  counties: number;
  /** Counties per city (prefecture). */
  countiesPerCity: number;
  enterprises: number;
  firstYear: number;
  years: number;
  /** Largest number of events in one append (one fund's day is split beyond it). */
  maxAppend: number;
  /** Stop at `events` (default); false: let every fund run to its end (the natural size, about 8% more). */
  stopAtTarget: boolean;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  seed: 20220218,
  events: 1_000_000,
  funds: 100,
  counties: 100,
  countiesPerCity: 10,
  enterprises: 10_000,
  firstYear: 2020,
  years: 5,
  maxAppend: 100,
  stopAtTarget: true,
};

export interface SyntheticAppend {
  streamId: string;
  /** The version of the stream's last event before this append (-1: new stream). */
  expectedVersion: number;
  events: NewEvent[];
}

// ------------------------------------------------------------------------------------------------
// the province

const DIRECTIONS = [
  '技术装备首台（套）',
  '关键零部件首批次',
  '新材料首批次',
  '工业技术改造',
  '数字化转型',
  '绿色制造',
  '专精特新',
  '产业集群培育',
];
const CHANNELS = ['六大产业集群专班', '工业技术改造', '中小企业发展', '数字经济', '绿色低碳', '一事一议'];
const ENTERPRISE_WORDS = ['华', '兴', '泰', '恒', '鑫', '远', '盛', '达', '瑞', '安', '通', '宏', '信', '昌', '丰', '新'];
const ENTERPRISE_TRADES = ['电气', '新材料', '机械', '化工', '光伏', '乳业', '装备', '稀土', '生物', '智能科技', '能源', '冶金'];
const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

interface City {
  index: number;
  name: string;
  financeId: string;
  industryId: string;
  poolId: string;
  counties: number[];
  enterprises: number[];
}

interface CountyInfo {
  index: number;
  county: County;
  cityIndex: number;
  financeId: string;
  industryId: string;
  parkId?: string;
}

interface Enterprise {
  holderId: string;
  name: string;
  countyIndex: number;
  parkId?: string;
}

interface Province {
  cities: City[];
  counties: CountyInfo[];
  enterprises: Enterprise[];
  holders: HolderRegistered['data'][];
}

function buildProvince(options: SyntheticOptions, rng: Prng): Province {
  const cityCount = Math.max(1, Math.ceil(options.counties / options.countiesPerCity));
  const cities: City[] = [];
  const counties: CountyInfo[] = [];
  const enterprises: Enterprise[] = [];
  const holders: HolderRegistered['data'][] = [];
  for (let c = 0; c < cityCount; c++) {
    const name = `示范${c + 1}市`;
    const city: City = { index: c, name, financeId: `cf-${c}`, industryId: `ci-${c}`, poolId: `pool-${c}`, counties: [], enterprises: [] };
    cities.push(city);
    holders.push({ holderId: city.financeId, name: `${name}财政局`, nameEn: `City ${c + 1} finance bureau`, level: 'city-finance' });
    holders.push({ holderId: city.industryId, name: `${name}工业和信息化局`, nameEn: `City ${c + 1} industry bureau`, level: 'department' });
    holders.push({ holderId: city.poolId, name: `${name}统筹资金`, nameEn: `City ${c + 1} general pool`, level: 'pool' });
  }
  for (let k = 0; k < options.counties; k++) {
    const cityIndex = Math.floor(k / options.countiesPerCity) % cityCount;
    const code = `15${String(cityIndex + 1).padStart(2, '0')}${String((k % options.countiesPerCity) + 1).padStart(2, '0')}`;
    const county: County = { code, name: `示范${cityIndex + 1}市第${(k % options.countiesPerCity) + 1}县` };
    const info: CountyInfo = { index: k, county, cityIndex, financeId: `kf-${k}`, industryId: `ki-${k}` };
    holders.push({ holderId: info.financeId, name: `${county.name}财政局`, level: 'county-finance', county });
    holders.push({ holderId: info.industryId, name: `${county.name}工业和信息化局`, level: 'department', county });
    if (k % 3 === 0) {
      info.parkId = `park-${k}`;
      holders.push({ holderId: info.parkId, name: `${county.name}示范产业园区管委会`, level: 'park', county });
    }
    counties.push(info);
    cities[cityIndex].counties.push(k);
  }
  for (let e = 0; e < options.enterprises; e++) {
    const countyIndex = e % options.counties;
    const info = counties[countyIndex];
    const holderId = `ent-${e}`;
    const name = `示范${rng.pick(ENTERPRISE_WORDS)}${rng.pick(ENTERPRISE_WORDS)}${rng.pick(ENTERPRISE_TRADES)}有限公司（${e + 1}号）`;
    let serial = '';
    for (let n = e, i = 0; i < 4; i++, n = Math.floor(n / 31)) serial = CREDIT_ALPHABET[n % 31] + serial;
    let random = '';
    for (let i = 0; i < 5; i++) random += CREDIT_ALPHABET[rng.int(0, 30)];
    const first17 = `91${info.county.code}${serial}${random}`;
    const enterprise: Enterprise = { holderId, name, countyIndex, parkId: info.parkId && rng.chance(0.4) ? info.parkId : undefined };
    enterprises.push(enterprise);
    cities[info.cityIndex].enterprises.push(e);
    holders.push({ holderId, name, level: 'enterprise', county: info.county, creditCode: first17 + creditCodeCheckCharacter(first17) });
  }
  return { cities, counties, enterprises, holders };
}

// ------------------------------------------------------------------------------------------------
// one fund's simulation state

interface Project {
  projectId: string;
  enterprise: Enterprise;
  county: CountyInfo;
  payerId: string;
  direction: string;
  category: SupportCategory;
  allocationId: string;
  approvedFen: number;
  paidFen: number;
  /** Payout and reversal actions not done yet. */
  pending: number;
  progress: number;
  status: 'registered' | 'closed';
}

interface Allocation {
  allocationId: string;
  document: string;
  direction: string;
  amountFen: number;
  sentFen: number;
}

interface Transfer {
  transferId: string;
  eventId: string;
  correlationId: string;
  fromHolderId: string;
  toHolderId: string;
  amountFen: number;
  sentDay: number;
  /** What to do with the money when it is received. */
  onward?: { kind: 'to-department' | 'to-park'; county: CountyInfo; parkFen: number };
  document?: string;
  allocationId?: string;
}

type Action =
  | { k: 'appropriate' }
  | { k: 'allocate'; j: number }
  | { k: 'register'; project: Project; batch: number }
  | { k: 'send'; from: string; to: string; amountFen: number; allocationId?: string; onward?: Transfer['onward']; mayMisroute: boolean }
  | { k: 'receive'; transfer: Transfer }
  | { k: 'pay'; project: Project; amountFen: number; tries: number }
  | { k: 'progress'; project: Project; percent: number }
  | { k: 'reverse-payout'; project: Project; eventId: string; data: FundEvent['data']; amountFen: number }
  | { k: 'reverse-transfer'; transfer: Transfer }
  | { k: 'clawback'; project: Project; amountFen: number }
  | { k: 'close'; project: Project }
  | { k: 'end' };

interface FundSim {
  index: number;
  fundId: string;
  streamId: string;
  city: City;
  fiscalYear: number;
  name: string;
  budgetFen: number;
  startDay: number;
  endDay: number;
  version: number;
  unallocatedFen: number;
  balances: Map<string, number>;
  allocations: Allocation[];
  agenda: Map<number, Action[]>;
  projectsPerAllocation: number;
  counters: { transfer: number; project: number; payout: number; batch: number; ret: number; rev: number; doc: number };
  /** The events of the day being simulated. */
  out: NewEvent[];
  done: boolean;
}

// ------------------------------------------------------------------------------------------------
// the generator

const MS_PER_DAY = 86_400_000;
const FEN_PER_WAN = 1_000_000;
/** Events per project on average: registration, 3 progress reports, 1.75 payouts, 0.5 closes (measured 6.2). */
const EVENTS_PER_PROJECT = 6.2;
/** Transfer events per (allocation, county touched): 2 tranches × (sent + received) × 2 levels, parks, corrections, returns. */
const EVENTS_PER_COUNTY_CHANNEL = 9.6;

/** The natural size of one fund with this many projects (checked against whole histories: within 2%). */
function estimatedFundEvents(projects: number, countiesPerCity: number): number {
  const perChannel = projects / CHANNELS.length;
  const countiesTouched = countiesPerCity * (1 - (1 - 1 / countiesPerCity) ** perChannel);
  return projects * EVENTS_PER_PROJECT + CHANNELS.length * countiesTouched * EVENTS_PER_COUNTY_CHANNEL + 10;
}

export function* syntheticHistory(overrides: Partial<SyntheticOptions> = {}): Generator<SyntheticAppend> {
  const options: SyntheticOptions = { ...DEFAULT_SYNTHETIC, ...overrides };
  const rng = new Prng(options.seed);
  const idRng = new Prng(options.seed ^ 0x5bd1e995);
  const province = buildProvince(options, rng);

  const epochDay = Math.floor(Date.UTC(options.firstYear, 0, 1) / MS_PER_DAY);
  const lastDay = Math.floor(Date.UTC(options.firstYear + options.years + 1, 11, 31) / MS_PER_DAY) - epochDay;
  const dates: string[] = [];
  for (let day = 0; day <= lastDay + 1; day++) dates.push(new Date((epochDay + day) * MS_PER_DAY).toISOString().slice(0, 10));
  const dayOf = (year: number, month: number, date: number): number => Math.floor(Date.UTC(year, month - 1, date) / MS_PER_DAY) - epochDay;

  // calibrate the projects per fund so that the natural history slightly exceeds the requested size
  const perFund = ((options.events - province.holders.length) / options.funds) * 1.1;
  let projectsPerFund = 6;
  while (estimatedFundEvents(projectsPerFund, options.countiesPerCity) < perFund) projectsPerFund = Math.ceil(projectsPerFund * 1.05);

  let emitted = 0;
  let recordedDay = -1;
  let recordedSeq = 0;

  const uuid = (ms: number): string => {
    const time = ms.toString(16).padStart(12, '0');
    const a = idRng.nextU32();
    const b = idRng.nextU32();
    const c = idRng.nextU32();
    const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(a & 0xfff, 3)}-${hex(0x8000 | ((a >>> 12) & 0x3fff), 4)}-${hex(b, 8)}${hex(c & 0xffff, 4)}`;
  };
  const recordedAtMs = (day: number): number => {
    if (day !== recordedDay) {
      recordedDay = day;
      recordedSeq = 0;
    }
    // from 09:00 Beijing time (01:00 UTC), 37 ms apart: room for 2.3 million events a day
    return (epochDay + day) * MS_PER_DAY + 3_600_000 + 37 * recordedSeq++;
  };

  // --- the holders: one registry stream, appended in batches of maxAppend
  {
    let version = -1;
    const day = 0;
    for (let start = 0; start < province.holders.length; start += options.maxAppend) {
      const events: NewEvent[] = province.holders.slice(start, start + options.maxAppend).map((data) => {
        const ms = recordedAtMs(day);
        const eventId = uuid(ms);
        return {
          eventId,
          type: 'HolderRegistered',
          data,
          metadata: {
            actor: { id: 'registrar-1', role: 'registrar', unit: 'cf-0' },
            occurredAt: dates[day],
            recordedAt: new Date(ms).toISOString(),
            correlationId: eventId,
            causationId: eventId,
            schemaVersion: SCHEMA_VERSION,
          },
        };
      });
      yield { streamId: HOLDERS_STREAM, expectedVersion: version, events };
      version += events.length;
      emitted += events.length;
      if (options.stopAtTarget && emitted >= options.events) return;
    }
  }

  // --- the funds, started on their appropriation day
  const fundsPerYear = Math.ceil(options.funds / options.years);
  const waiting: FundSim[] = [];
  for (let i = 0; i < options.funds; i++) {
    const fiscalYear = options.firstYear + Math.min(options.years - 1, Math.floor(i / fundsPerYear));
    const city = province.cities[i % province.cities.length];
    const direction = rng.pick(CHANNELS);
    const fund: FundSim = {
      index: i,
      fundId: `synth-${fiscalYear}-${String(i).padStart(3, '0')}`,
      streamId: '',
      city,
      fiscalYear,
      name: `${city.name}${fiscalYear}年工业高质量发展专项资金（${direction}·${i + 1}）`,
      budgetFen: rng.int(2_000, 20_000) * FEN_PER_WAN,
      startDay: dayOf(fiscalYear, 1, 10) + rng.int(0, 60),
      endDay: dayOf(fiscalYear + 1, 12, 5) + rng.int(0, 15),
      version: -1,
      unallocatedFen: 0,
      balances: new Map(),
      allocations: [],
      agenda: new Map(),
      projectsPerAllocation: Math.max(1, Math.round(projectsPerFund / CHANNELS.length)),
      counters: { transfer: 0, project: 0, payout: 0, batch: 0, ret: 0, rev: 0, doc: 0 },
      out: [],
      done: false,
    };
    fund.streamId = fundStreamId(fund.fundId);
    schedule(fund, fund.startDay, { k: 'appropriate' });
    waiting.push(fund);
  }
  waiting.sort((a, b) => a.startDay - b.startDay || a.index - b.index);

  function schedule(fund: FundSim, day: number, action: Action): void {
    const list = fund.agenda.get(day);
    if (list) list.push(action);
    else fund.agenda.set(day, [action]);
  }

  const balance = (fund: FundSim, holderId: string): number => fund.balances.get(holderId) ?? 0;

  function emit(
    fund: FundSim,
    day: number,
    event: FundEvent,
    actor: { id: string; role: string; unit?: string },
    extra: { document?: string; correlationId?: string; causationId?: string } = {},
  ): string {
    for (const movement of movementsOf(event)) move(fund, movement);
    const ms = recordedAtMs(day);
    const eventId = uuid(ms);
    const correlationId = extra.correlationId ?? eventId;
    fund.out.push({
      eventId,
      type: event.type,
      data: event.data,
      metadata: {
        actor,
        occurredAt: dates[day],
        recordedAt: new Date(ms).toISOString(),
        ...(extra.document ? { document: extra.document } : {}),
        correlationId,
        causationId: extra.causationId ?? correlationId,
        schemaVersion: SCHEMA_VERSION,
      },
    });
    return eventId;
  }

  function move(fund: FundSim, movement: Movement): void {
    for (const [place, sign] of [
      [movement.from, -1],
      [movement.to, 1],
    ] as const) {
      if (place.kind === 'unallocated') fund.unallocatedFen += sign * movement.amountFen;
      else if (place.kind === 'holder') {
        const next = balance(fund, place.holderId) + sign * movement.amountFen;
        if (next < 0) throw new Error(`synthetic: ${place.holderId} below zero in ${fund.fundId}`);
        fund.balances.set(place.holderId, next);
      }
    }
    if (fund.unallocatedFen < 0) throw new Error(`synthetic: unallocated below zero in ${fund.fundId}`);
  }

  const staff = (unit: string, role: string) => ({ id: `staff-${unit}`, role, unit });
  const doc = (fund: FundSim, prefix: string) => `${prefix}〔${fund.fiscalYear}〕${++fund.counters.doc}号`;
  const roundYuan = (fen: number) => Math.floor(fen / 100) * 100;

  // ----------------------------------------------------------------------------------------------
  // actions

  function run(fund: FundSim, day: number, action: Action, pays: Array<Extract<Action, { k: 'pay' }>>): void {
    const fundId = fund.fundId;
    const cityFinance = fund.city.financeId;
    switch (action.k) {
      case 'appropriate': {
        emit(
          fund,
          day,
          {
            type: 'FundAppropriated',
            data: {
              fundId,
              name: fund.name,
              nameEn: `City ${fund.city.index + 1} ${fund.fiscalYear} industrial development special fund no. ${fund.index + 1}`,
              fiscalYear: fund.fiscalYear,
              budgetFen: fund.budgetFen,
              cityFinanceHolderId: cityFinance,
            },
          },
          staff(cityFinance, 'finance'),
          { document: doc(fund, `${fund.city.name.slice(0, 4)}财预`) },
        );
        // six allocation documents over the following months, together 85–95% of the budget
        const weights = CHANNELS.map(() => 0.5 + rng.next());
        const total = weights.reduce((a, b) => a + b, 0);
        const share = 0.85 + rng.next() * 0.1;
        let at = day;
        weights.forEach((weight, j) => {
          const amountFen = Math.floor((fund.budgetFen * share * weight) / total / 10_000) * 10_000;
          const allocationId = `${fundId}-a${j + 1}`;
          fund.allocations.push({ allocationId, document: '', direction: CHANNELS[j], amountFen, sentFen: 0 });
          at += rng.int(5, 25);
          schedule(fund, at, { k: 'allocate', j });
        });
        schedule(fund, fund.endDay, { k: 'end' });
        return;
      }
      case 'allocate': {
        const allocation = fund.allocations[action.j];
        allocation.document = doc(fund, `${fund.city.name.slice(0, 4)}财工指`);
        emit(
          fund,
          day,
          {
            type: 'AllocationIssued',
            data: {
              fundId,
              allocationId: allocation.allocationId,
              document: allocation.document,
              amountFen: allocation.amountFen,
              direction: allocation.direction,
              cityFinanceHolderId: cityFinance,
            },
          },
          staff(cityFinance, 'finance'),
          { document: allocation.document },
        );
        planAllocation(fund, day, allocation);
        return;
      }
      case 'register': {
        const project = action.project;
        emit(
          fund,
          day,
          {
            type: 'ProjectRegistered',
            data: {
              fundId,
              projectId: project.projectId,
              name: `${project.enterprise.name.replace(/（.*$/, '')}${project.direction}项目`,
              enterpriseHolderId: project.enterprise.holderId,
              county: project.county.county,
              ...(project.enterprise.parkId ? { parkHolderId: project.enterprise.parkId } : {}),
              direction: project.direction,
              batch: action.batch,
              category: project.category,
              approvedFen: project.approvedFen,
            },
          },
          staff(project.county.industryId, 'department'),
        );
        planProject(fund, day, project);
        return;
      }
      case 'send': {
        const allocation = action.allocationId ? fund.allocations.find((a) => a.allocationId === action.allocationId) : undefined;
        let amountFen = Math.min(action.amountFen, balance(fund, action.from));
        if (allocation) amountFen = Math.min(amountFen, allocation.amountFen - allocation.sentFen);
        if (amountFen <= 0) return;
        const onward = action.onward ? { ...action.onward, parkFen: Math.min(action.onward.parkFen, amountFen) } : undefined;
        // now and then a transfer goes to the wrong county first, is reversed before receipt (冲正) and sent again
        if (action.mayMisroute && allocation && rng.chance(0.02) && 2 * amountFen <= allocation.amountFen - allocation.sentFen && 2 * amountFen <= balance(fund, action.from)) {
          const others = fund.city.counties.filter((k) => province.counties[k].financeId !== action.to);
          if (others.length > 0) {
            const wrong = send(fund, day, action.from, province.counties[rng.pick(others)].financeId, amountFen, allocation);
            schedule(fund, day + rng.int(1, 5), { k: 'reverse-transfer', transfer: wrong });
          }
        }
        const transfer = send(fund, day, action.from, action.to, amountFen, allocation, onward);
        const gap = rng.chance(0.05) ? rng.int(60, 120) : rng.int(1, 45);
        schedule(fund, day + gap, { k: 'receive', transfer });
        return;
      }
      case 'receive': {
        const transfer = action.transfer;
        emit(
          fund,
          day,
          {
            type: 'TransferReceived',
            data: { fundId, transferId: transfer.transferId, fromHolderId: transfer.fromHolderId, toHolderId: transfer.toHolderId, amountFen: transfer.amountFen },
          },
          staff(transfer.toHolderId, 'finance'),
          { correlationId: transfer.correlationId, causationId: transfer.eventId },
        );
        const onward = transfer.onward;
        if (onward?.kind === 'to-department') {
          // money sits at the county finance bureau for days, weeks or months before it moves on
          const wait = rng.chance(0.2) ? rng.int(90, 240) : rng.int(3, 60);
          schedule(fund, day + wait, {
            k: 'send',
            from: transfer.toHolderId,
            to: onward.county.industryId,
            amountFen: transfer.amountFen,
            onward: onward.parkFen > 0 && onward.county.parkId ? { kind: 'to-park', county: onward.county, parkFen: onward.parkFen } : undefined,
            mayMisroute: false,
          });
        } else if (onward?.kind === 'to-park' && onward.county.parkId) {
          schedule(fund, day + rng.int(2, 30), { k: 'send', from: transfer.toHolderId, to: onward.county.parkId, amountFen: onward.parkFen, mayMisroute: false });
        }
        return;
      }
      case 'pay':
        pays.push(action);
        return;
      case 'progress': {
        const project = action.project;
        if (project.status !== 'registered' || action.percent <= project.progress) return;
        project.progress = action.percent;
        emit(
          fund,
          day,
          { type: 'ProjectProgressReported', data: { fundId, projectId: project.projectId, percent: action.percent, note: `项目进度 ${action.percent}%（季度报送）` } },
          staff(project.county.industryId, 'department'),
        );
        return;
      }
      case 'reverse-payout': {
        const project = action.project;
        project.pending--;
        if (balance(fund, project.enterprise.holderId) < action.amountFen) return;
        const event: FundEvent = { type: 'PayoutMade', data: action.data } as FundEvent;
        emit(
          fund,
          day,
          {
            type: 'EventReversed',
            data: {
              fundId,
              reversalId: `${fundId}-rv${++fund.counters.rev}`,
              reversedEventId: action.eventId,
              reversedType: 'PayoutMade',
              reason: '重复录入的兑现，冲正',
              movements: invert(movementsOf(event)),
              projectId: project.projectId,
            },
          },
          staff(project.payerId, 'department'),
        );
        project.paidFen -= action.amountFen;
        // the correct entry follows (scheduled with the reversal)
        return;
      }
      case 'reverse-transfer': {
        const transfer = action.transfer;
        const event: FundEvent = {
          type: 'TransferSent',
          data: {
            fundId,
            transferId: transfer.transferId,
            fromHolderId: transfer.fromHolderId,
            toHolderId: transfer.toHolderId,
            amountFen: transfer.amountFen,
          },
        };
        emit(
          fund,
          day,
          {
            type: 'EventReversed',
            data: {
              fundId,
              reversalId: `${fundId}-rv${++fund.counters.rev}`,
              reversedEventId: transfer.eventId,
              reversedType: 'TransferSent',
              reason: '收款单位错误（拨错旗县区），冲正后重拨',
              movements: invert(movementsOf(event)),
            },
          },
          staff(transfer.fromHolderId, 'finance'),
        );
        const allocation = transfer.allocationId ? fund.allocations.find((a) => a.allocationId === transfer.allocationId) : undefined;
        if (allocation) allocation.sentFen -= transfer.amountFen;
        return;
      }
      case 'clawback': {
        const project = action.project;
        const amountFen = Math.min(action.amountFen, balance(fund, project.enterprise.holderId));
        if (amountFen <= 0) return;
        const document = doc(fund, '示县工信收');
        emit(
          fund,
          day,
          {
            type: 'FundsReturned',
            data: {
              fundId,
              returnId: `${fundId}-r${++fund.counters.ret}`,
              fromHolderId: project.enterprise.holderId,
              toHolderId: project.payerId,
              amountFen,
              kind: 'clawback',
              reason: '绩效评价未达标，收回部分奖励资金',
              document,
            },
          },
          staff(project.payerId, 'department'),
          { document },
        );
        return;
      }
      case 'close': {
        const project = action.project;
        if (project.status !== 'registered' || project.pending > 0 || project.paidFen !== project.approvedFen) return;
        project.status = 'closed';
        emit(fund, day, { type: 'ProjectClosed', data: { fundId, projectId: project.projectId, note: '项目验收通过，结项' } }, staff(project.county.industryId, 'department'));
        return;
      }
      case 'end': {
        // the unused money goes back up the chain, the unallocated budget into the pool
        for (const k of fund.city.counties) {
          const county = province.counties[k];
          const steps: Array<[string | undefined, string]> = [
            [county.parkId, county.industryId],
            [county.industryId, county.financeId],
            [county.financeId, cityFinance],
          ];
          for (const [from, to] of steps) {
            const amountFen = from ? balance(fund, from) : 0;
            if (!from || amountFen <= 0) continue;
            const document = doc(fund, '示县财退');
            emit(
              fund,
              day,
              {
                type: 'FundsReturned',
                data: { fundId, returnId: `${fundId}-r${++fund.counters.ret}`, fromHolderId: from, toHolderId: to, amountFen, kind: 'return', reason: '项目结余资金退回', document },
              },
              staff(from, 'finance'),
              { document },
            );
          }
        }
        if (fund.unallocatedFen > 0) {
          const document = doc(fund, `${fund.city.name.slice(0, 4)}财预收`);
          emit(
            fund,
            day,
            {
              type: 'FundsReturned',
              data: {
                fundId,
                returnId: `${fundId}-r${++fund.counters.ret}`,
                fromHolderId: cityFinance,
                toHolderId: fund.city.poolId,
                amountFen: fund.unallocatedFen,
                kind: 'sweep',
                reason: '年度未分配预算收回统筹',
                document,
              },
            },
            staff(cityFinance, 'finance'),
            { document },
          );
        }
        fund.done = true;
        return;
      }
    }
  }

  function send(fund: FundSim, day: number, from: string, to: string, amountFen: number, allocation?: Allocation, onward?: Transfer['onward']): Transfer {
    const transferId = `${fund.fundId}-t${++fund.counters.transfer}`;
    const document = doc(fund, from.startsWith('cf-') ? '示市财拨' : '示县财拨');
    const data = {
      fundId: fund.fundId,
      transferId,
      fromHolderId: from,
      toHolderId: to,
      amountFen,
      document,
      ...(allocation ? { allocationId: allocation.allocationId } : {}),
    };
    const eventId = emit(fund, day, { type: 'TransferSent', data }, staff(from, 'finance'), { document });
    if (allocation) allocation.sentFen += amountFen;
    const transfer: Transfer = {
      transferId,
      eventId,
      correlationId: eventId,
      fromHolderId: from,
      toHolderId: to,
      amountFen,
      sentDay: day,
      onward,
      document,
      allocationId: allocation?.allocationId,
    };
    return transfer;
  }

  /** The projects of one allocation and the money that will reach them: two tranches per county. */
  function planAllocation(fund: FundSim, day: number, allocation: Allocation): void {
    const count = Math.max(1, Math.round(fund.projectsPerAllocation * (0.7 + rng.next() * 0.6)));
    const weights = Array.from({ length: count }, () => 0.3 + rng.next() * 1.4);
    const total = weights.reduce((a, b) => a + b, 0);
    const budget = allocation.amountFen * 0.93;
    const demand = new Map<number, { all: number; park: number }>();
    const projectDirection = rng.pick(DIRECTIONS);
    weights.forEach((weight, n) => {
      const enterprise = province.enterprises[rng.pick(fund.city.enterprises)];
      const county = province.counties[enterprise.countyIndex];
      const approvedFen = Math.max(100_000, Math.floor((budget * weight) / total / 100_000) * 100_000);
      const project: Project = {
        projectId: `${fund.fundId}-p${++fund.counters.project}`,
        enterprise,
        county,
        payerId: enterprise.parkId ?? county.industryId,
        direction: rng.chance(0.6) ? projectDirection : rng.pick(DIRECTIONS),
        category: rng.chance(0.5) ? 'fulfilment' : 'review',
        allocationId: allocation.allocationId,
        approvedFen,
        paidFen: 0,
        pending: 0,
        progress: 0,
        status: 'registered',
      };
      const entry = demand.get(county.index) ?? { all: 0, park: 0 };
      entry.all += approvedFen;
      if (enterprise.parkId) entry.park += approvedFen;
      demand.set(county.index, entry);
      // four batches (批次), a few weeks apart
      const batch = 1 + Math.min(3, Math.floor((n / count) * 4));
      schedule(fund, day + 10 + (batch - 1) * rng.int(15, 30) + rng.int(0, 5), { k: 'register', project, batch });
    });
    for (const [k, entry] of demand) {
      const county = province.counties[k];
      const slack = Math.floor(entry.all * rng.next() * 0.04);
      const first = roundYuan(entry.all * 0.6);
      const firstPark = roundYuan(entry.park * 0.6);
      const tranches: Array<[number, number, number]> = [
        [day + rng.int(20, 50), first, firstPark],
        [day + rng.int(90, 200), entry.all - first + slack, entry.park - firstPark],
      ];
      for (const [at, amountFen, parkFen] of tranches) {
        schedule(fund, at, {
          k: 'send',
          from: fund.city.financeId,
          to: county.financeId,
          amountFen,
          allocationId: allocation.allocationId,
          onward: { kind: 'to-department', county, parkFen },
          mayMisroute: true,
        });
      }
    }
  }

  function planProject(fund: FundSim, day: number, project: Project): void {
    const shares = project.category === 'fulfilment' ? [1] : rng.chance(0.5) ? [0.5, 0.5] : [0.4, 0.3, 0.3];
    let at = day + rng.int(20, 150);
    let left = project.approvedFen;
    shares.forEach((share, index) => {
      const amountFen = index === shares.length - 1 ? left : roundYuan(project.approvedFen * share);
      left -= amountFen;
      project.pending++;
      schedule(fund, at, { k: 'pay', project, amountFen, tries: 0 });
      at += rng.int(30, 120);
    });
    const reports = rng.int(2, 4);
    let when = day;
    for (let r = 1; r <= reports; r++) {
      when += rng.int(30, 100);
      schedule(fund, when, { k: 'progress', project, percent: r === reports ? 100 : Math.round((100 * r) / (reports + 1)) });
    }
    if (rng.chance(0.5)) schedule(fund, Math.max(at, when) + rng.int(30, 90), { k: 'close', project });
  }

  /** The payouts due today at each payer: as a batch (成熟一批、报送一批) or one by one; postponed when the payer lacks money. */
  function payDue(fund: FundSim, day: number, pays: Array<Extract<Action, { k: 'pay' }>>): void {
    const byPayer = new Map<string, Array<Extract<Action, { k: 'pay' }>>>();
    for (const pay of pays) {
      const list = byPayer.get(pay.project.payerId);
      if (list) list.push(pay);
      else byPayer.set(pay.project.payerId, [pay]);
    }
    for (const [payerId, list] of byPayer) {
      let available = balance(fund, payerId);
      const payable: typeof list = [];
      for (const pay of list) {
        const project = pay.project;
        const amountFen = Math.min(pay.amountFen, project.approvedFen - project.paidFen);
        if (project.status !== 'registered' || amountFen <= 0) {
          project.pending--;
          continue;
        }
        if (amountFen > available) {
          // not funded yet: try again in a week or a month, give up at the fund's end
          if (pay.tries < 12 && day + 7 < fund.endDay) schedule(fund, day + rng.int(7, 30), { ...pay, tries: pay.tries + 1 });
          else project.pending--;
          continue;
        }
        available -= amountFen;
        project.paidFen += amountFen;
        payable.push({ ...pay, amountFen });
      }
      if (payable.length === 0) continue;
      const asBatch = payable.length > 1 && rng.chance(0.7);
      const batchId = asBatch ? `${fund.fundId}-b${++fund.counters.batch}` : undefined;
      const document = doc(fund, '示县工信兑');
      let correlationId: string | undefined;
      for (const pay of payable) {
        const project = pay.project;
        const data = {
          fundId: fund.fundId,
          payoutId: `${fund.fundId}-po${++fund.counters.payout}`,
          fromHolderId: payerId,
          enterpriseHolderId: project.enterprise.holderId,
          projectId: project.projectId,
          direction: project.direction,
          countyCode: project.county.county.code,
          amountFen: pay.amountFen,
          document,
          ...(batchId ? { batchId } : {}),
          allocationId: project.allocationId,
        };
        const eventId = emit(fund, day, { type: 'PayoutMade', data }, staff(payerId, 'department'), { document, correlationId });
        if (batchId) correlationId ??= eventId;
        project.pending--;
        // 1% are duplicates entered by mistake and reversed a few days later; 0.5% partly clawed back
        if (rng.chance(0.01)) {
          project.pending++;
          schedule(fund, day + rng.int(1, 7), { k: 'reverse-payout', project, eventId, data, amountFen: pay.amountFen });
          project.pending++;
          schedule(fund, day + rng.int(10, 30), { k: 'pay', project, amountFen: pay.amountFen, tries: 0 });
        } else if (rng.chance(0.005)) {
          schedule(fund, day + rng.int(60, 200), { k: 'clawback', project, amountFen: roundYuan(pay.amountFen * (0.1 + rng.next() * 0.4)) });
        }
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // the calendar: every day, every fund alive, in fund order

  let active: FundSim[] = [];
  let nextWaiting = 0;
  for (let day = 0; day <= lastDay; day++) {
    while (nextWaiting < waiting.length && waiting[nextWaiting].startDay <= day) {
      active.push(waiting[nextWaiting++]);
      active.sort((a, b) => a.index - b.index);
    }
    if (active.length === 0 && nextWaiting >= waiting.length) return;
    for (const fund of active) {
      const actions = fund.agenda.get(day);
      if (!actions) continue;
      fund.agenda.delete(day);
      const pays: Array<Extract<Action, { k: 'pay' }>> = [];
      let end = false;
      for (const action of actions) {
        if (action.k === 'end') end = true;
        else run(fund, day, action, pays);
      }
      if (pays.length > 0) payDue(fund, day, pays);
      if (end) run(fund, day, { k: 'end' }, pays);
      // the day's events, in appends of at most maxAppend (a batch payout is never split: it stays in one append)
      const events = fund.out;
      fund.out = [];
      let start = 0;
      while (start < events.length) {
        let stop = Math.min(events.length, start + options.maxAppend);
        const batchOf = (event: NewEvent | undefined) => (event?.type === 'PayoutMade' ? (event.data as { batchId?: string }).batchId : undefined);
        while (stop < events.length && batchOf(events[stop]) !== undefined && batchOf(events[stop]) === batchOf(events[stop - 1])) stop++;
        const chunk = events.slice(start, stop);
        yield { streamId: fund.streamId, expectedVersion: fund.version, events: chunk };
        fund.version += chunk.length;
        emitted += chunk.length;
        if (options.stopAtTarget && emitted >= options.events) return;
        start = stop;
      }
    }
    if (active.some((fund) => fund.done)) active = active.filter((fund) => !fund.done);
  }
}

/** The events one at a time (flattened appends). */
export function* syntheticEvents(overrides: Partial<SyntheticOptions> = {}): Generator<{ streamId: string; version: number; event: NewEvent }> {
  for (const append of syntheticHistory(overrides)) {
    let version = append.expectedVersion;
    for (const event of append.events) yield { streamId: append.streamId, version: ++version, event };
  }
}

/** The fund ids of a synthetic history and their fiscal years (the last funds may be cut off by `events`). */
export function syntheticFundIds(overrides: Partial<SyntheticOptions> = {}): Array<{ fundId: string; fiscalYear: number }> {
  const options: SyntheticOptions = { ...DEFAULT_SYNTHETIC, ...overrides };
  const fundsPerYear = Math.ceil(options.funds / options.years);
  return Array.from({ length: options.funds }, (_, i) => {
    const fiscalYear = options.firstYear + Math.min(options.years - 1, Math.floor(i / fundsPerYear));
    return { fundId: `synth-${fiscalYear}-${String(i).padStart(3, '0')}`, fiscalYear };
  });
}

/** The levels of the synthetic holders, for reports. */
export const SYNTHETIC_LEVELS: Level[] = ['city-finance', 'department', 'pool', 'county-finance', 'park', 'enterprise'];
