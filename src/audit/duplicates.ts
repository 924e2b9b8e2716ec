/**
 * Duplicate awards (重复奖补), across all funds and channels:
 *  - `same-direction`: one enterprise (by its unified social credit code) awarded more than once in the same
 *    support direction (支持方向) and year — the 正耐电气 case of the evaluation report;
 *  - `same-project`: the same project funded twice — registered more than once (same enterprise, same name,
 *    in one fund or several), or one project paid the same amount twice (a payout entered twice).
 * Cancelled projects are not awards; reversed payouts are shown, marked, since the correction is part of the story.
 */
import type { AwardIndex, AwardPayout, AwardProject } from './awards';

export interface DuplicateProject {
  fundId: string;
  projectId: string;
  name: string;
  approvedFen: number;
  paidFen: number;
  channels: string[];
  payers: string[];
  registeredOn: string;
  status: string;
}

export interface DirectionDuplicate {
  kind: 'same-direction';
  creditCode: string;
  enterpriseHolderId: string;
  enterprise: string;
  countyName: string;
  fiscalYear: number;
  direction: string;
  projects: DuplicateProject[];
  approvedFen: number;
  paidFen: number;
  /** More than one channel (document) or more than one paying unit: the money came by different roads. */
  acrossChannels: boolean;
  /** Every one of the projects received money. */
  allPaid: boolean;
}

export interface ProjectDuplicate {
  kind: 'same-project';
  reason: 'registered-twice' | 'paid-twice';
  creditCode: string;
  enterpriseHolderId: string;
  enterprise: string;
  projectName: string;
  projects: DuplicateProject[];
  payouts: Array<Pick<AwardPayout, 'fundId' | 'payoutId' | 'amountFen' | 'paidOn' | 'fromHolderId'> & { payer: string; reversed: boolean; reversedOn?: string }>;
  /** True when every duplicate payment was reversed (corrected in the ledger). */
  corrected: boolean;
}

export interface DuplicateReport {
  sameDirection: DirectionDuplicate[];
  sameProject: ProjectDuplicate[];
}

const normalize = (text: string) => text.replace(/[\s（）()“”"'、，,。.]/g, '').toLowerCase();

export function findDuplicates(index: AwardIndex): DuplicateReport {
  const awards = [...index.projects.values()].filter((project) => project.status !== 'cancelled');
  const enterpriseKey = (project: AwardProject) => index.holders.get(project.enterpriseHolderId)?.creditCode ?? `holder:${project.enterpriseHolderId}`;
  const present = (project: AwardProject): DuplicateProject => ({
    fundId: project.fundId,
    projectId: project.projectId,
    name: project.name,
    approvedFen: project.approvedFen,
    paidFen: project.paidFen,
    channels: project.channels,
    payers: project.payers,
    registeredOn: project.registeredOn,
    status: project.status,
  });
  const enterpriseOf = (project: AwardProject) => index.holders.get(project.enterpriseHolderId);

  const byDirection = groupBy(awards, (project) => `${enterpriseKey(project)}|${project.fiscalYear}|${normalize(project.direction)}`);
  const sameDirection: DirectionDuplicate[] = [];
  for (const group of byDirection.values()) {
    if (group.length < 2) continue;
    const first = group[0];
    const channels = new Set(group.flatMap((project) => project.channels));
    const payers = new Set(group.flatMap((project) => project.payers));
    sameDirection.push({
      kind: 'same-direction',
      creditCode: enterpriseOf(first)?.creditCode ?? '',
      enterpriseHolderId: first.enterpriseHolderId,
      enterprise: enterpriseOf(first)?.name ?? first.enterpriseHolderId,
      countyName: first.countyName,
      fiscalYear: first.fiscalYear,
      direction: first.direction,
      projects: group.map(present),
      approvedFen: sum(group.map((project) => project.approvedFen)),
      paidFen: sum(group.map((project) => project.paidFen)),
      acrossChannels: channels.size > 1 || payers.size > 1 || new Set(group.map((project) => project.fundId)).size > 1,
      allPaid: group.every((project) => project.paidFen > 0),
    });
  }
  // the most serious first: paid through different channels, then by amount paid
  sameDirection.sort((a, b) => Number(b.allPaid && b.acrossChannels) - Number(a.allPaid && a.acrossChannels) || b.paidFen - a.paidFen || a.enterprise.localeCompare(b.enterprise));

  const sameProject: ProjectDuplicate[] = [];
  const byName = groupBy(awards, (project) => `${enterpriseKey(project)}|${normalize(project.name)}`);
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const first = group[0];
    sameProject.push({
      kind: 'same-project',
      reason: 'registered-twice',
      creditCode: enterpriseOf(first)?.creditCode ?? '',
      enterpriseHolderId: first.enterpriseHolderId,
      enterprise: enterpriseOf(first)?.name ?? first.enterpriseHolderId,
      projectName: first.name,
      projects: group.map(present),
      payouts: group.flatMap((project) => project.payouts.map((payout) => presentPayout(index, payout))),
      corrected: false,
    });
  }
  for (const project of awards) {
    const byAmount = groupBy(project.payouts, (payout) => String(payout.amountFen));
    for (const payouts of byAmount.values()) {
      if (payouts.length < 2) continue;
      const live = payouts.filter((payout) => !payout.reversedBy);
      // paying the approved amount in equal tranches is normal; equal payments beyond what was approved, or reversed as duplicates, are not
      const beyond = sum(payouts.map((payout) => payout.amountFen)) > project.approvedFen;
      if (!beyond && live.length === payouts.length) continue;
      sameProject.push({
        kind: 'same-project',
        reason: 'paid-twice',
        creditCode: enterpriseOf(project)?.creditCode ?? '',
        enterpriseHolderId: project.enterpriseHolderId,
        enterprise: enterpriseOf(project)?.name ?? project.enterpriseHolderId,
        projectName: project.name,
        projects: [present(project)],
        payouts: payouts.map((payout) => presentPayout(index, payout)),
        corrected: live.length <= 1,
      });
    }
  }
  return { sameDirection, sameProject };
}

function presentPayout(index: AwardIndex, payout: AwardPayout): ProjectDuplicate['payouts'][number] {
  return {
    fundId: payout.fundId,
    payoutId: payout.payoutId,
    amountFen: payout.amountFen,
    paidOn: payout.paidOn,
    fromHolderId: payout.fromHolderId,
    payer: index.holders.get(payout.fromHolderId)?.name ?? payout.fromHolderId,
    reversed: Boolean(payout.reversedBy),
    ...(payout.reversedBy ? { reversedOn: payout.reversedBy.on } : {}),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
