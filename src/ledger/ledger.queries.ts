/** What the ledger answers directly from its own state (the projections answer the rest). */
import { NotFoundException } from '@nestjs/common';
import { type FundState, type Holder, LEVEL_NAMES, fundStreamId } from '../domain';
import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { present } from '../shared/present';
import type { Catalog, ProjectEntry } from './catalog';
import type { Ledger } from './ledger';

export const EVENTS_PAGE_MAX = 1_000;

export class LedgerQueries {
  constructor(
    private readonly ledger: Ledger,
    private readonly catalog: Catalog,
    private readonly store: EventStore,
  ) {}

  async holders(filter: { level?: string; county?: string } = {}): Promise<unknown[]> {
    const holders = await this.ledger.holders();
    return holders
      .filter((holder) => !filter.level || holder.level === filter.level)
      .filter((holder) => !filter.county || holder.county?.code === filter.county)
      .map((holder) => ({ ...holder, levelName: LEVEL_NAMES[holder.level] }));
  }

  async funds(): Promise<unknown[]> {
    await this.catalog.catchUp();
    return [...this.catalog.funds.values()].map((fund) => present(fund));
  }

  async fund(fundId: string): Promise<unknown> {
    const state = await this.requireFund(fundId);
    const holders = new Map((await this.ledger.holders()).map((holder) => [holder.holderId, holder]));
    return present(summarizeFund(state, holders));
  }

  async events(fundId: string, fromVersion = 0, limit = EVENTS_PAGE_MAX): Promise<unknown> {
    await this.requireFund(fundId);
    const events = await this.store.readStream(fundStreamId(fundId), { fromVersion, limit: Math.min(limit, EVENTS_PAGE_MAX) });
    return { fundId, fromVersion, count: events.length, events: events.map(presentEvent) };
  }

  async projects(filter: { fundId?: string; enterpriseHolderId?: string; county?: string; status?: string } = {}): Promise<unknown[]> {
    await this.catalog.catchUp();
    return [...this.catalog.projects.values()]
      .filter((project) => !filter.fundId || project.fundId === filter.fundId)
      .filter((project) => !filter.enterpriseHolderId || project.enterpriseHolderId === filter.enterpriseHolderId)
      .filter((project) => !filter.county || project.countyCode === filter.county)
      .filter((project) => !filter.status || project.status === filter.status)
      .map((project) => present(project));
  }

  async project(projectId: string): Promise<ProjectEntry> {
    await this.catalog.catchUp();
    const project = this.catalog.projects.get(projectId);
    if (!project) throw new NotFoundException({ error: 'not-found', message: `project ${projectId} not found`, message_zh: `项目 ${projectId} 不存在`, message_en: `project ${projectId} not found` });
    return project;
  }

  async requireFund(fundId: string): Promise<FundState> {
    const state = await this.ledger.fund(fundId);
    if (!state.exists) throw new NotFoundException({ error: 'not-found', message: `fund ${fundId} not found`, message_zh: `专项资金 ${fundId} 不存在`, message_en: `fund ${fundId} not found` });
    return state;
  }
}

export function presentEvent(event: RecordedEvent): unknown {
  return {
    position: event.position,
    version: event.version,
    eventId: event.eventId,
    type: event.type,
    data: present(event.data),
    metadata: event.metadata,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

export function summarizeFund(state: FundState, holders: ReadonlyMap<string, Holder>) {
  let inTransitFen = 0;
  let transfersInTransit = 0;
  for (const transfer of state.transfers.values()) {
    if (transfer.status !== 'in-transit') continue;
    inTransitFen += transfer.amountFen;
    transfersInTransit++;
  }
  let paidToEnterprisesFen = 0;
  const balances = [...state.balances.entries()]
    .filter(([, balance]) => balance !== 0)
    .map(([holderId, balanceFen]) => {
      const holder = holders.get(holderId);
      if (holder?.level === 'enterprise') paidToEnterprisesFen += balanceFen;
      return { holderId, name: holder?.name, level: holder?.level, county: holder?.county, balanceFen };
    })
    .sort((a, b) => b.balanceFen - a.balanceFen);
  let allocatedFen = 0;
  for (const allocation of state.allocations.values()) if (!allocation.reversed) allocatedFen += allocation.amountFen;
  return {
    fundId: state.fundId,
    name: state.name,
    fiscalYear: state.fiscalYear,
    appropriatedOn: state.appropriatedOn,
    version: state.version,
    budgetFen: state.budgetFen,
    allocatedFen,
    unallocatedFen: state.unallocatedFen,
    inTransitFen,
    transfersInTransit,
    paidToEnterprisesFen,
    allocations: [...state.allocations.values()],
    balances,
    projects: state.projects.size,
  };
}
