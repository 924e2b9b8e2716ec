/**
 * Reconciliation (对账): figures an organisation reported (budget, allocated, spent, execution rate) set
 * against the ledger, each with its difference; for the rate, every usual formula is computed and the one
 * that reproduces it named — or the statement that none does, with the base the printed rate would need.
 */
import { type Holder, type LedgerEvent, formatWan, formatYuan, movementsOf, percent } from '../domain';
import type { RecordedEvent } from '../event-store/event-store.port';
import { type AsOf, isWithin, stateAsOf } from './replay';

export type ReportedUnit = 'wan' | 'yuan';

export interface ReportedFigures {
  /** Amounts in fen (parsed from the unit the report uses). */
  budgetFen?: number;
  allocatedFen?: number;
  spentFen?: number;
  /** As printed, e.g. "18.09" (percent). */
  executionRate?: string;
  /** The unit the report printed its amounts in: decides how close is "the same figure". */
  unit: ReportedUnit;
  source?: string;
}

export interface LedgerFigures {
  budgetFen: number;
  allocatedFen: number;
  /** What reached enterprises, net of reversals and returns. */
  paidToEnterprisesFen: number;
  /** Swept into the general pool (结余收回统筹). */
  pooledFen: number;
  /** What left the city finance bureau for lower levels, net of reversals and returns up. */
  sentFromCityFen: number;
}

export interface FigureLine {
  figure: 'budget' | 'allocated' | 'spent';
  name: string;
  reportedFen: number;
  ledgerFen: number;
  differenceFen: number;
  agrees: boolean;
  ledgerMeaning: string;
}

export interface RateCandidate {
  formula: string;
  numerator: string;
  numeratorFen: number;
  base: string;
  baseFen: number;
  rate: string | null;
  reproduces: boolean;
}

export interface Reconciliation {
  fundId: string;
  name: string;
  asOf: AsOf;
  source?: string;
  unit: ReportedUnit;
  ledger: LedgerFigures;
  figures: FigureLine[];
  rate?: {
    reported: string;
    candidates: RateCandidate[];
    reproducedBy: string[];
    /** The base the printed rate needs with the reported spending: the interval that rounds to it. */
    impliedBase?: { fromFen: number; toFen: number; nearest: string; nearestFen: number };
    conclusion_zh: string;
    conclusion_en: string;
  };
}

/** The ledger's own figures for a fund, as of a date or position. */
export function ledgerFigures(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, asOf: AsOf = {}): { name: string; fundId: string; figures: LedgerFigures } {
  const state = stateAsOf(events, holders, asOf);
  const fundEvent = events.find((event) => event.type === 'FundAppropriated');
  const city = (fundEvent?.data as { cityFinanceHolderId?: string } | undefined)?.cityFinanceHolderId ?? '';
  let sentFromCityFen = 0;
  for (const event of events) {
    if (!isWithin(event, asOf)) continue;
    for (const movement of movementsOf({ type: event.type, data: event.data } as LedgerEvent)) {
      // money leaving the city bureau to a transfer, or coming back to it from below (returns, reversals)
      if (movement.from.kind === 'holder' && movement.from.holderId === city && movement.to.kind !== 'unallocated') sentFromCityFen += movement.amountFen;
      if (movement.to.kind === 'holder' && movement.to.holderId === city && movement.from.kind !== 'unallocated') sentFromCityFen -= movement.amountFen;
    }
  }
  return {
    name: state.name,
    fundId: state.fundId,
    figures: { budgetFen: state.budgetFen, allocatedFen: state.allocatedFen, paidToEnterprisesFen: state.paidToEnterprisesFen, pooledFen: state.pooledFen, sentFromCityFen },
  };
}

const TOLERANCE_FEN: Record<ReportedUnit, number> = { wan: 5_000, yuan: 0 };
const unitText = (fen: number, unit: ReportedUnit) => (unit === 'wan' ? `${formatWan(fen)}万元` : `${formatYuan(fen)}元`);

export function reconcile(fund: { fundId: string; name: string; figures: LedgerFigures }, reported: ReportedFigures, asOf: AsOf = {}): Reconciliation {
  const ledger = fund.figures;
  const tolerance = TOLERANCE_FEN[reported.unit];
  const figures: FigureLine[] = [];
  const line = (figure: FigureLine['figure'], name: string, reportedFen: number | undefined, ledgerFen: number, ledgerMeaning: string) => {
    if (reportedFen === undefined) return;
    const differenceFen = reportedFen - ledgerFen;
    figures.push({ figure, name, reportedFen, ledgerFen, differenceFen, agrees: Math.abs(differenceFen) <= tolerance, ledgerMeaning });
  };
  line('budget', '预算数 budget', reported.budgetFen, ledger.budgetFen, '设立时的预算 / appropriated budget');
  line('allocated', '下达数 allocated', reported.allocatedFen, ledger.allocatedFen, '各文号下达指标之和（不含冲正） / sum of allocation documents, net of reversals');
  line('spent', '支出数 spent', reported.spentFen, ledger.paidToEnterprisesFen, '到达企业的资金（扣除冲正、退回） / money that reached enterprises, net');
  const result: Reconciliation = { fundId: fund.fundId, name: fund.name, asOf, source: reported.source, unit: reported.unit, ledger, figures };
  if (reported.executionRate !== undefined) result.rate = reconcileRate(ledger, reported);
  return result;
}

function reconcileRate(ledger: LedgerFigures, reported: ReportedFigures): NonNullable<Reconciliation['rate']> {
  const printed = reported.executionRate!.trim().replace(/%$/, '');
  const decimals = (printed.split('.')[1] ?? '').length;
  const numerators: Array<[string, number]> = [['账本兑现至企业 ledger paid to enterprises', ledger.paidToEnterprisesFen]];
  if (reported.spentFen !== undefined && reported.spentFen !== ledger.paidToEnterprisesFen) numerators.push(['报告支出数 reported spent', reported.spentFen]);
  const bases: Array<[string, number]> = [
    ['预算数 budget', ledger.budgetFen],
    ['下达数 allocated', ledger.allocatedFen],
    ['预算数−结余收回统筹 budget less pooled', ledger.budgetFen - ledger.pooledFen],
    ['市级已拨付 sent down from the city', ledger.sentFromCityFen],
  ];
  if (reported.budgetFen !== undefined && reported.budgetFen !== ledger.budgetFen) bases.push(['报告预算数 reported budget', reported.budgetFen]);
  if (reported.allocatedFen !== undefined && reported.allocatedFen !== ledger.allocatedFen) bases.push(['报告下达数 reported allocated', reported.allocatedFen]);
  const candidates: RateCandidate[] = [];
  for (const [numerator, numeratorFen] of numerators) {
    for (const [base, baseFen] of bases) {
      const rate = percent(numeratorFen, baseFen);
      const rounded = rate === null ? null : Number(rate).toFixed(decimals);
      candidates.push({
        formula: `${numerator.split(' ')[0]} ÷ ${base.split(' ')[0]} = ${formatWan(numeratorFen)} ÷ ${formatWan(baseFen)}（万元）`,
        numerator,
        numeratorFen,
        base,
        baseFen,
        rate,
        reproduces: rounded !== null && Number(rounded) === Number(printed),
      });
    }
  }
  const reproducedBy = candidates.filter((candidate) => candidate.reproduces).map((candidate) => candidate.formula);
  const spent = reported.spentFen ?? ledger.paidToEnterprisesFen;
  const rate = Number(printed);
  let impliedBase: NonNullable<Reconciliation['rate']>['impliedBase'];
  if (rate > 0) {
    const half = 0.5 * 10 ** -decimals;
    const fromFen = Math.ceil((spent * 100) / (rate + half));
    const toFen = Math.floor((spent * 100) / (rate - half));
    const nearest = [...bases].sort((a, b) => Math.abs(a[1] - (fromFen + toFen) / 2) - Math.abs(b[1] - (fromFen + toFen) / 2))[0];
    impliedBase = { fromFen, toFen, nearest: nearest[0], nearestFen: nearest[1] };
  }
  const conclusion_zh = reproducedBy.length
    ? `报告的执行率 ${printed}% 可由以下公式得出：${reproducedBy.join('；')}`
    : `常用口径均不能得出报告的执行率 ${printed}%。${impliedBase ? `按支出 ${unitText(spent, 'wan')} 计算，该执行率要求分母在 ${formatWan(impliedBase.fromFen)}–${formatWan(impliedBase.toFen)} 万元之间；账本中最接近的是${impliedBase.nearest.split(' ')[0]} ${formatWan(impliedBase.nearestFen)} 万元。` : ''}`;
  const conclusion_en = reproducedBy.length
    ? `the reported execution rate ${printed}% is reproduced by: ${reproducedBy.join('; ')}`
    : `none of the usual bases reproduces the reported execution rate of ${printed}%.${impliedBase ? ` With spending of ${formatWan(spent)}万元 it needs a base between ${formatWan(impliedBase.fromFen)} and ${formatWan(impliedBase.toFen)}万元; the nearest figure in the ledger is ${impliedBase.nearest.split(' ').slice(1).join(' ')}, ${formatWan(impliedBase.nearestFen)}万元.` : ''}`;
  return { reported: printed, candidates, reproducedBy, ...(impliedBase ? { impliedBase } : {}), conclusion_zh, conclusion_en };
}
