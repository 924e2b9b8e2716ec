/**
 * An enterprise's history (企业受奖补历史) across funds and years: every project it was approved for (the
 * registration is the application's approval: the ledger records approved projects, not rejected
 * applications), every payout it received, every reversal, clawback and return, progress and closing.
 */
import type { Holder } from '../domain';
import type { AwardIndex, AwardProject } from './awards';

export interface EnterpriseHistoryEntry {
  on: string;
  fundId: string;
  fiscalYear: number;
  kind: 'award' | 'payout' | 'payout-reversed' | 'returned' | 'closed' | 'cancelled';
  kindName: string;
  projectId?: string;
  projectName?: string;
  direction?: string;
  amountFen: number;
  unit: string;
  document?: string;
  note?: string;
}

export interface EnterpriseHistory {
  enterprise: Holder;
  funds: number;
  years: number[];
  projects: Array<Pick<AwardProject, 'fundId' | 'fiscalYear' | 'projectId' | 'name' | 'direction' | 'category' | 'batch' | 'approvedFen' | 'paidFen' | 'status' | 'progressPercent' | 'registeredOn' | 'channels' | 'payers'>>;
  approvedFen: number;
  paidFen: number;
  returnedFen: number;
  entries: EnterpriseHistoryEntry[];
}

export class EnterpriseNotFoundError extends Error {
  constructor(
    public readonly query: string,
    public readonly candidates: Holder[] = [],
  ) {
    super(candidates.length ? `"${query}" matches ${candidates.length} enterprises; name one by id or credit code` : `no enterprise matches "${query}"`);
    this.name = 'EnterpriseNotFoundError';
  }
}

/** Finds an enterprise by holder id, unified social credit code, or a unique part of its name. */
export function findEnterprise(holders: ReadonlyMap<string, Holder>, query: string): Holder {
  const enterprises = [...holders.values()].filter((holder) => holder.level === 'enterprise');
  const exact = enterprises.find((holder) => holder.holderId === query || holder.creditCode === query.toUpperCase() || holder.name === query);
  if (exact) return exact;
  const partial = enterprises.filter((holder) => holder.name.includes(query));
  if (partial.length === 1) return partial[0];
  throw new EnterpriseNotFoundError(query, partial);
}

export function enterpriseHistory(index: AwardIndex, enterprise: Holder): EnterpriseHistory {
  const projects = [...index.projects.values()].filter((project) => project.enterpriseHolderId === enterprise.holderId);
  const name = (holderId: string) => index.holders.get(holderId)?.name ?? holderId;
  const entries: EnterpriseHistoryEntry[] = [];
  for (const project of projects) {
    const base = { fundId: project.fundId, fiscalYear: project.fiscalYear, projectId: project.projectId, projectName: project.name, direction: project.direction };
    entries.push({ ...base, on: project.registeredOn, kind: 'award', kindName: '立项核定 approved', amountFen: project.approvedFen, unit: '', document: project.document, note: `${project.category}，第${project.batch}批` });
    for (const payout of project.payouts) {
      entries.push({ ...base, on: payout.paidOn, kind: 'payout', kindName: '兑现 paid', amountFen: payout.amountFen, unit: name(payout.fromHolderId), document: payout.document, note: payout.batchId ? `批次 ${payout.batchId}` : undefined });
      if (payout.reversedBy) {
        entries.push({ ...base, on: payout.reversedBy.on, kind: 'payout-reversed', kindName: '兑现冲正 reversed', amountFen: -payout.amountFen, unit: name(payout.fromHolderId), note: payout.reversedBy.reason });
      }
    }
    if (project.status !== 'registered' && project.statusOn) {
      entries.push({ ...base, on: project.statusOn, kind: project.status, kindName: project.status === 'closed' ? '结项 closed' : '撤销 cancelled', amountFen: 0, unit: '' });
    }
  }
  let returnedFen = 0;
  for (const given of index.returns.filter((entry) => entry.fromHolderId === enterprise.holderId)) {
    returnedFen += given.amountFen;
    entries.push({ on: given.on, fundId: given.fundId, fiscalYear: index.funds.get(given.fundId)?.fiscalYear ?? 0, kind: 'returned', kindName: given.kind === 'clawback' ? '收回 clawed back' : '退回 returned', amountFen: -given.amountFen, unit: name(given.toHolderId), note: given.reason });
  }
  const order: Record<EnterpriseHistoryEntry['kind'], number> = { award: 0, payout: 1, 'payout-reversed': 2, returned: 3, closed: 4, cancelled: 4 };
  entries.sort((a, b) => a.on.localeCompare(b.on) || order[a.kind] - order[b.kind] || (a.projectId ?? '').localeCompare(b.projectId ?? ''));
  return {
    enterprise,
    funds: new Set(projects.map((project) => project.fundId)).size,
    years: [...new Set(projects.map((project) => project.fiscalYear))].sort(),
    projects: projects.map(({ fundId, fiscalYear, projectId, name: projectName, direction, category, batch, approvedFen, paidFen, status, progressPercent, registeredOn, channels, payers }) => ({
      fundId, fiscalYear, projectId, name: projectName, direction, category, batch, approvedFen, paidFen, status, progressPercent, registeredOn, channels, payers,
    })),
    approvedFen: projects.filter((project) => project.status !== 'cancelled').reduce((total, project) => total + project.approvedFen, 0),
    paidFen: projects.reduce((total, project) => total + project.paidFen, 0) - returnedFen,
    returnedFen,
    entries,
  };
}
