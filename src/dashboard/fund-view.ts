/**
 * What the dashboard draws for one fund as of a business date, folded from the fund's own events with
 * the domain's evolve function (the same code the ledger runs), so that on the latest date every figure
 * equals `GET /api/funds/:fundId`. Pure: the controller reads the events and the holders.
 *
 * Why a fold here and not only the projections: the Sankey needs cumulative flows between levels
 * (who sent how much to whom), which a balance projection does not keep; the fund stream is small
 * (hundreds of events per fund-year), so folding it per request is cheap and always exact.
 */
import { type FundEvent, type Holder, type LedgerEvent, type Place, initialFundState, movementsOf, percent } from '../domain';
import type { RecordedEvent } from '../event-store/event-store.port';
import { applyRecorded } from '../ledger/ledger';
import { summarizeFund } from '../ledger/ledger.queries';

/** The groups of the Sankey, in the order money flows through them. */
export const FLOW_GROUPS = ['budget', 'unallocated', 'city', 'county', 'office', 'enterprise', 'pool', 'transit'] as const;
export type FlowGroup = (typeof FLOW_GROUPS)[number];
const STAGE: Record<FlowGroup, number> = { budget: 0, unallocated: 1, city: 2, county: 3, office: 4, enterprise: 5, pool: 6, transit: 6 };

export interface FlowLink {
  source: FlowGroup;
  target: FlowGroup | `held:${FlowGroup}`;
  amountFen: number;
}

export interface FundView {
  asOf: string;
  firstDate: string;
  lastDate: string;
  eventsIncluded: number;
  eventsTotal: number;
  summary: ReturnType<typeof summarizeFund>;
  /** Links between groups, netted (a return cancels the flow it reverses), plus what each group still holds. */
  links: FlowLink[];
  /** Net flows that run against the stage order (money sent back up beyond what came down), listed rather than drawn. */
  upward: FlowLink[];
  groupTotals: Record<FlowGroup, number>;
  counties: CountyRow[];
  approvedFen: number;
  paidOnProjectsFen: number;
  rates: Rate[];
}

export interface CountyRow {
  countyCode: string;
  countyName: string;
  receivedFen: number;
  heldByLevel: Record<string, number>;
  heldFen: number;
  paidFen: number;
  approvedFen: number;
  projects: number;
  projectsWaiting: number;
}

export interface Rate {
  key: 'execution-budget' | 'execution-allocated' | 'arrival-county' | 'arrival-enterprise';
  numeratorFen: number;
  baseFen: number;
  percent: string | null;
}

export function groupOfHolder(holder: Holder | undefined): FlowGroup {
  switch (holder?.level) {
    case 'city-finance':
      return 'city';
    case 'county-finance':
      return 'county';
    case 'department':
    case 'park':
      return 'office';
    case 'enterprise':
      return 'enterprise';
    case 'pool':
      return 'pool';
    default:
      return 'office';
  }
}

/** The fund's state folded from its events dated on or before `until`, with the domain's evolve function. */
function foldUntil(events: readonly RecordedEvent[], until: string) {
  const included = events.filter((event) => event.metadata.occurredAt <= until);
  let state = initialFundState(events[0]?.streamId ?? '');
  for (const event of included) state = applyRecorded(state, event);
  if (events[0]) state.fundId = (events[0].data as { fundId?: string }).fundId ?? state.fundId;
  return { included, state };
}

export interface ProjectAsOf {
  projectId: string;
  name: string;
  enterpriseHolderId: string;
  countyCode: string;
  direction: string;
  category: string;
  batch: number;
  registeredOn: string;
  approvedFen: number;
  paidFen: number;
  progressPercent: number;
  status: string;
}

/**
 * The fund's project registry as of a business date: the projects registered by then, with what had been paid,
 * the progress last reported and the status on that day (one fold of the fund's events, like the overview:
 * a fund-year is hundreds of events). On the latest date it equals `GET /api/projects?fundId=`.
 */
export function projectsAsOf(events: readonly RecordedEvent[], asOf?: string): { asOf: string; projects: ProjectAsOf[] } {
  const dates = events.map((event) => event.metadata.occurredAt).filter(Boolean).sort();
  const until = asOf ?? dates[dates.length - 1] ?? '';
  const { included, state } = foldUntil(events, until);
  const registeredOn = new Map<string, string>();
  for (const event of included) if (event.type === 'ProjectRegistered') registeredOn.set(String((event.data as { projectId?: string }).projectId), event.metadata.occurredAt);
  return {
    asOf: until,
    projects: [...state.projects.values()].map((project) => ({
      projectId: project.projectId,
      name: project.name,
      enterpriseHolderId: project.enterpriseHolderId,
      countyCode: project.countyCode,
      direction: project.direction,
      category: project.category,
      batch: project.batch,
      registeredOn: registeredOn.get(project.projectId) ?? '',
      approvedFen: project.approvedFen,
      paidFen: project.paidFen,
      progressPercent: project.progressPercent,
      status: project.status,
    })),
  };
}

export function fundView(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, asOf?: string): FundView {
  const dates = events.map((event) => event.metadata.occurredAt).filter(Boolean).sort();
  const firstDate = dates[0] ?? '';
  const lastDate = dates[dates.length - 1] ?? '';
  const until = asOf ?? lastDate;
  const { included, state } = foldUntil(events, until);
  const summary = summarizeFund(state, holders);

  // cumulative flows between groups
  const gross = new Map<string, number>();
  const add = (from: FlowGroup, to: FlowGroup, amountFen: number) => {
    if (from === to || amountFen === 0) return;
    const key = `${from}>${to}`;
    gross.set(key, (gross.get(key) ?? 0) + amountFen);
  };
  const transitSender = new Map<string, FlowGroup>();
  const transitAmount = new Map<string, number>();
  const countyReceived = new Map<string, number>();
  let receivedByCountyFinanceFen = 0;
  const groupOf = (place: Place): FlowGroup => {
    switch (place.kind) {
      case 'outside':
        return 'budget';
      case 'unallocated':
        return 'unallocated';
      case 'holder':
        return groupOfHolder(holders.get(place.holderId));
      case 'transit':
        return 'transit';
    }
  };
  for (const event of included) {
    const movements = movementsOf({ type: event.type, data: event.data } as unknown as LedgerEvent);
    for (const movement of movements) {
      const { from, to, amountFen } = movement;
      if (to.kind === 'transit') {
        if (event.type === 'EventReversed' && from.kind === 'holder') {
          // a receipt reversed (冲正): the money is in transit again, sent by whoever sent it first
          const receiver = holders.get(from.holderId);
          if (receiver?.county) countyReceived.set(receiver.county.code, (countyReceived.get(receiver.county.code) ?? 0) - amountFen);
          if (receiver?.level === 'county-finance') receivedByCountyFinanceFen -= amountFen;
          add(groupOf(from), transitSender.get(to.transferId) ?? 'city', amountFen);
          transitAmount.set(to.transferId, (transitAmount.get(to.transferId) ?? 0) + amountFen);
          continue;
        }
        transitSender.set(to.transferId, groupOf(from));
        transitAmount.set(to.transferId, (transitAmount.get(to.transferId) ?? 0) + amountFen);
        continue;
      }
      if (from.kind === 'transit') {
        transitAmount.set(from.transferId, (transitAmount.get(from.transferId) ?? 0) - amountFen);
        add(transitSender.get(from.transferId) ?? 'city', groupOf(to), amountFen);
        if (to.kind === 'holder' && event.type === 'TransferReceived') {
          const receiver = holders.get(to.holderId);
          if (receiver?.county) countyReceived.set(receiver.county.code, (countyReceived.get(receiver.county.code) ?? 0) + amountFen);
          if (receiver?.level === 'county-finance') receivedByCountyFinanceFen += amountFen;
        }
        continue;
      }
      add(groupOf(from), groupOf(to), amountFen);
    }
  }
  for (const [transferId, amountFen] of transitAmount) if (amountFen > 0) add(transitSender.get(transferId) ?? 'city', 'transit', amountFen);

  const links: FlowLink[] = [];
  const upward: FlowLink[] = [];
  const seen = new Set<string>();
  for (const [key, amountFen] of gross) {
    const [from, to] = key.split('>') as [FlowGroup, FlowGroup];
    if (seen.has(key)) continue;
    seen.add(key);
    seen.add(`${to}>${from}`);
    const net = amountFen - (gross.get(`${to}>${from}`) ?? 0);
    if (net === 0) continue;
    const [source, target, amount] = net > 0 ? [from, to, net] : [to, from, -net];
    (STAGE[source] < STAGE[target] ? links : upward).push({ source, target, amountFen: amount });
  }

  // what each group holds now: the ends of the Sankey
  const groupTotals = Object.fromEntries(FLOW_GROUPS.map((group) => [group, 0])) as Record<FlowGroup, number>;
  for (const [holderId, balanceFen] of state.balances) groupTotals[groupOfHolder(holders.get(holderId))] += balanceFen;
  groupTotals.unallocated = state.unallocatedFen;
  groupTotals.transit = summary.inTransitFen;
  groupTotals.budget = state.budgetFen;
  for (const group of ['unallocated', 'city', 'county', 'office'] as const) {
    if (groupTotals[group] !== 0) links.push({ source: group, target: `held:${group}`, amountFen: groupTotals[group] });
  }
  links.sort((a, b) => STAGE[a.source] - STAGE[b.source] || b.amountFen - a.amountFen);

  // counties: what arrived, what is held at which level, what reached enterprises, what projects wait for
  const counties = new Map<string, CountyRow>();
  const county = (code: string, name: string): CountyRow => {
    let row = counties.get(code);
    if (!row) {
      row = { countyCode: code, countyName: name, receivedFen: 0, heldByLevel: {}, heldFen: 0, paidFen: 0, approvedFen: 0, projects: 0, projectsWaiting: 0 };
      counties.set(code, row);
    }
    return row;
  };
  for (const [holderId, balanceFen] of state.balances) {
    const holder = holders.get(holderId);
    if (!holder?.county || balanceFen === 0) continue;
    const row = county(holder.county.code, holder.county.name);
    if (holder.level === 'enterprise') continue;
    row.heldByLevel[holder.level] = (row.heldByLevel[holder.level] ?? 0) + balanceFen;
    row.heldFen += balanceFen;
  }
  let approvedFen = 0;
  let paidOnProjectsFen = 0;
  for (const project of state.projects.values()) {
    if (project.status === 'cancelled') continue;
    const holder = holders.get(project.enterpriseHolderId);
    const row = county(project.countyCode, holder?.county?.name ?? project.countyCode);
    row.approvedFen += project.approvedFen;
    row.paidFen += project.paidFen;
    row.projects += 1;
    if (project.paidFen < project.approvedFen) row.projectsWaiting += 1;
    approvedFen += project.approvedFen;
    paidOnProjectsFen += project.paidFen;
  }
  for (const [code, receivedFen] of countyReceived) {
    const row = counties.get(code);
    if (row) row.receivedFen += receivedFen;
  }
  // arrival at county level: received by county finance bureaus ÷ (received + still in transit to them)
  let inTransitToCountyFinanceFen = 0;
  for (const transfer of state.transfers.values()) {
    if (transfer.status === 'in-transit' && holders.get(transfer.toHolderId)?.level === 'county-finance') inTransitToCountyFinanceFen += transfer.amountFen;
  }
  const receivedByCountyFen = receivedByCountyFinanceFen;
  const sentOrInTransitToCountyFen = receivedByCountyFinanceFen + inTransitToCountyFinanceFen;

  const rates: Rate[] = [
    { key: 'execution-budget', numeratorFen: summary.paidToEnterprisesFen, baseFen: state.budgetFen, percent: percent(summary.paidToEnterprisesFen, state.budgetFen) },
    { key: 'execution-allocated', numeratorFen: summary.paidToEnterprisesFen, baseFen: summary.allocatedFen, percent: percent(summary.paidToEnterprisesFen, summary.allocatedFen) },
    { key: 'arrival-county', numeratorFen: receivedByCountyFen, baseFen: sentOrInTransitToCountyFen, percent: percent(receivedByCountyFen, sentOrInTransitToCountyFen) },
    { key: 'arrival-enterprise', numeratorFen: paidOnProjectsFen, baseFen: approvedFen, percent: percent(paidOnProjectsFen, approvedFen) },
  ];

  return {
    asOf: until,
    firstDate,
    lastDate,
    eventsIncluded: included.length,
    eventsTotal: events.length,
    summary,
    links,
    upward,
    groupTotals,
    counties: [...counties.values()].sort((a, b) => a.countyCode.localeCompare(b.countyCode)),
    approvedFen,
    paidOnProjectsFen,
    rates,
  };
}

export type { FundEvent };
