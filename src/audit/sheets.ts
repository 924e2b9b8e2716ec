/** Every audit report as tables (for XLSX, CSV and the CLI): Chinese headers with the English word after them. */
import { LEVEL_NAMES, type Level, formatWan } from '../domain';
import type { DuplicateReport } from './duplicates';
import type { EnterpriseHistory } from './enterprise';
import type { Reconciliation } from './reconcile';
import type { FundDifference, FundStateAsOf, ReplayStep } from './replay';
import type { Column, Sheet } from './tabular';
import type { VerifyReport } from './verify';

const col = (header: string, key: string, kind: Column['kind'] = 'text', width?: number): Column => ({ header, key, kind, ...(width ? { width } : {}) });
export const levelName = (level?: string): string => (level && level in LEVEL_NAMES ? LEVEL_NAMES[level as Level].zh : level === 'transit' ? '在途' : level === 'unallocated' ? '未分配' : (level ?? ''));

export function replaySheets(replay: { fundId: string; name: string; steps: ReplayStep[] }, caption: string[] = []): Sheet[] {
  return [
    {
      name: '回放 replay',
      caption: [`${replay.name}（${replay.fundId}）资金回放 / replay`, ...caption],
      columns: [
        col('位置 position', 'position', 'int'),
        col('版本 version', 'version', 'int'),
        col('业务日期 date', 'occurredAt', 'date'),
        col('类型 type', 'type', 'text', 14),
        col('文号 document', 'document', 'text', 22),
        col('说明 description', 'description', 'text', 60),
        col('金额（元） amount', 'amountFen', 'yuan'),
        col('操作人 actor', 'actor', 'text', 30),
        col('被冲正 reversed by', 'reversedBy', 'text', 20),
        col('事件编号 event id', 'eventId', 'text', 38),
      ],
      rows: replay.steps.map((step) => ({
        position: step.position,
        version: step.version,
        occurredAt: step.occurredAt,
        type: step.typeName.zh,
        document: step.document,
        description: step.description,
        amountFen: step.movements.length ? step.movements.reduce((sum, movement) => sum + movement.amountFen, 0) : undefined,
        actor: step.actor,
        reversedBy: step.reversedBy,
        eventId: step.eventId,
      })),
    },
    {
      name: '余额变动 balances',
      columns: [
        col('位置 position', 'position', 'int'),
        col('业务日期 date', 'occurredAt', 'date'),
        col('类型 type', 'type', 'text', 14),
        col('资金所在 place', 'name', 'text', 34),
        col('层级 level', 'level', 'text', 14),
        col('旗县区 county', 'countyName', 'text', 16),
        col('变动前（元） before', 'beforeFen', 'yuan'),
        col('变动（元） change', 'deltaFen', 'yuan'),
        col('变动后（元） after', 'afterFen', 'yuan'),
      ],
      rows: replay.steps.flatMap((step) =>
        step.balances.map((balance) => ({
          position: step.position,
          occurredAt: step.occurredAt,
          type: step.typeName.zh,
          name: balance.name,
          level: levelName(balance.level),
          countyName: balance.countyName,
          beforeFen: balance.beforeFen,
          deltaFen: balance.deltaFen,
          afterFen: balance.afterFen,
        })),
      ),
    },
  ];
}

export function stateSheets(state: FundStateAsOf): Sheet[] {
  const asOf = [state.asOf.date ? `业务日期 ≤ ${state.asOf.date}` : '', state.asOf.position !== undefined ? `日志位置 ≤ ${state.asOf.position}` : ''].filter(Boolean).join('，') || '当前 now';
  return [
    {
      name: '时点状态 state',
      caption: [
        `${state.name}（${state.fundId}）截至 as of: ${asOf}（${state.eventsApplied} 个事件，至位置 ${state.lastPosition}）`,
        `预算 ${formatWan(state.budgetFen)} 万元 · 已下达 ${formatWan(state.allocatedFen)} · 未分配 ${formatWan(state.unallocatedFen)} · 在途 ${formatWan(state.inTransitFen)} · 到企业 ${formatWan(state.paidToEnterprisesFen)} · 统筹 ${formatWan(state.pooledFen)} · 守恒 ${state.conserved ? '是' : '否'}`,
      ],
      columns: [col('单位 holder', 'name', 'text', 34), col('编号 id', 'holderId', 'text', 16), col('层级 level', 'level', 'text', 14), col('旗县区 county', 'countyName', 'text', 16), col('余额（元） balance', 'balanceFen', 'yuan')],
      rows: [
        ...state.balances.map((balance) => ({ ...balance, level: levelName(balance.level) })),
        ...state.inTransit.map((transfer) => ({ name: `在途 ${transfer.from} → ${transfer.to}（${transfer.sentOn} 拨出）`, holderId: transfer.transferId, level: '在途', balanceFen: transfer.amountFen })),
        ...(state.unallocatedFen ? [{ name: '未分配预算 unallocated', level: '未分配', balanceFen: state.unallocatedFen }] : []),
      ],
    },
  ];
}

export function differenceSheets(difference: FundDifference): Sheet[] {
  return [
    {
      name: '期间变动 difference',
      caption: [
        `${difference.name}（${difference.fundId}）${difference.from} 之后至 ${difference.to}：what moved and what stayed`,
        `到企业 paid: ${formatWan(difference.before.paidToEnterprisesFen)} → ${formatWan(difference.after.paidToEnterprisesFen)} 万元；在途 in transit: ${formatWan(difference.before.inTransitFen)} → ${formatWan(difference.after.inTransitFen)} 万元`,
      ],
      columns: [
        col('资金所在 place', 'name', 'text', 34),
        col('层级 level', 'level', 'text', 14),
        col('旗县区 county', 'countyName', 'text', 16),
        col('期初（元） opening', 'beforeFen', 'yuan'),
        col('流入（元） in', 'inflowFen', 'yuan'),
        col('流出（元） out', 'outflowFen', 'yuan'),
        col('期末（元） closing', 'afterFen', 'yuan'),
        col('全期未动（元） stayed', 'stayedFen', 'yuan'),
      ],
      rows: difference.places.map((place) => ({ ...place, level: levelName(place.level) })),
    },
    ...replaySheets({ fundId: difference.fundId, name: difference.name, steps: difference.moved }).slice(0, 1).map((sheet) => ({ ...sheet, name: '期间事件 moved', caption: [`${difference.from} 之后至 ${difference.to} 的事件`] })),
  ];
}

export function verifySheets(report: VerifyReport): Sheet[] {
  return [
    {
      name: '校验 verify',
      caption: [
        `校验结果 result: ${report.ok ? '通过 OK' : '未通过 FAILED'}；范围 scope ${report.scope}；事件 ${report.events}；流 ${report.streams}`,
        `摘要 digest: ${report.digest}`,
        ...(report.against ? [`对照摘要 against ${report.against.digest}: ${report.against.message_zh} / ${report.against.message_en}`] : []),
      ],
      columns: [
        col('位置 position', 'position', 'int'),
        col('流 stream', 'streamId', 'text', 30),
        col('版本 version', 'version', 'int'),
        col('类型 type', 'type', 'text', 18),
        col('业务日期 date', 'occurredAt', 'date'),
        col('问题 problem', 'problem', 'text', 16),
        col('说明 message', 'message', 'text', 60),
        col('事件编号 event id', 'eventId', 'text', 38),
      ],
      rows: report.breaks.map((entry) => ({ ...entry, message: `${entry.message_zh} / ${entry.message_en}` })),
    },
  ];
}

export function duplicateSheets(report: DuplicateReport): Sheet[] {
  return [
    {
      name: '同方向重复 same direction',
      caption: ['同一企业（统一社会信用代码）同一年度同一支持方向获得多项奖补 / one enterprise awarded more than once in one support direction and year'],
      columns: [
        col('企业 enterprise', 'enterprise', 'text', 30),
        col('统一社会信用代码 credit code', 'creditCode', 'text', 22),
        col('年度 year', 'fiscalYear', 'int'),
        col('支持方向 direction', 'direction', 'text', 34),
        col('项目 project', 'project', 'text', 30),
        col('资金 fund', 'fundId', 'text', 24),
        col('渠道（文号） channel', 'channels', 'text', 26),
        col('拨付单位 paid by', 'payers', 'text', 26),
        col('核定（元） approved', 'approvedFen', 'yuan'),
        col('已兑现（元） paid', 'paidFen', 'yuan'),
        col('跨渠道 across channels', 'acrossChannels', 'text', 10),
      ],
      rows: report.sameDirection.flatMap((group) =>
        group.projects.map((project) => ({
          enterprise: group.enterprise,
          creditCode: group.creditCode,
          fiscalYear: group.fiscalYear,
          direction: group.direction,
          project: `${project.name}（${project.projectId}）`,
          fundId: project.fundId,
          channels: project.channels.join('；'),
          payers: project.payers.join('；'),
          approvedFen: project.approvedFen,
          paidFen: project.paidFen,
          acrossChannels: group.acrossChannels,
        })),
      ),
    },
    {
      name: '同项目重复 same project',
      caption: ['同一项目重复登记或重复兑现 / the same project registered or paid twice'],
      columns: [
        col('企业 enterprise', 'enterprise', 'text', 30),
        col('项目 project', 'projectName', 'text', 30),
        col('原因 reason', 'reason', 'text', 14),
        col('兑现编号 payout', 'payoutId', 'text', 14),
        col('兑现日期 paid on', 'paidOn', 'date'),
        col('拨付单位 paid by', 'payer', 'text', 26),
        col('金额（元） amount', 'amountFen', 'yuan'),
        col('已冲正 reversed', 'reversed', 'text', 10),
        col('已纠正 corrected', 'corrected', 'text', 10),
      ],
      rows: report.sameProject.flatMap((group) =>
        (group.payouts.length ? group.payouts : [undefined]).map((payout) => ({
          enterprise: group.enterprise,
          projectName: group.projectName,
          reason: group.reason === 'paid-twice' ? '重复兑现 paid twice' : '重复登记 registered twice',
          payoutId: payout?.payoutId,
          paidOn: payout?.paidOn,
          payer: payout?.payer,
          amountFen: payout?.amountFen,
          reversed: payout ? payout.reversed : undefined,
          corrected: group.corrected,
        })),
      ),
    },
  ];
}

export function enterpriseSheets(history: EnterpriseHistory): Sheet[] {
  const enterprise = history.enterprise;
  return [
    {
      name: '企业历史 history',
      caption: [
        `${enterprise.name}（${enterprise.creditCode ?? enterprise.holderId}${enterprise.county ? `，${enterprise.county.name}` : ''}）`,
        `${history.funds} 个资金 funds，年度 years ${history.years.join('、')}；核定 ${formatWan(history.approvedFen)} 万元，净兑现 ${formatWan(history.paidFen)} 万元`,
      ],
      columns: [
        col('日期 date', 'on', 'date'),
        col('年度 year', 'fiscalYear', 'int'),
        col('资金 fund', 'fundId', 'text', 24),
        col('事项 what', 'kindName', 'text', 16),
        col('项目 project', 'project', 'text', 34),
        col('支持方向 direction', 'direction', 'text', 30),
        col('金额（元） amount', 'amountFen', 'yuan'),
        col('单位 unit', 'unit', 'text', 26),
        col('文号 document', 'document', 'text', 22),
        col('备注 note', 'note', 'text', 40),
      ],
      rows: history.entries.map((entry) => ({ ...entry, project: entry.projectId ? `${entry.projectName}（${entry.projectId}）` : '' })),
    },
  ];
}

export function reconcileSheets(result: Reconciliation): Sheet[] {
  return [
    {
      name: '对账 reconciliation',
      caption: [`${result.name}（${result.fundId}）报告数与账本对账 / reported figures against the ledger${result.source ? `：${result.source}` : ''}`],
      columns: [col('项目 figure', 'name', 'text', 24), col('报告数（元） reported', 'reportedFen', 'yuan'), col('账本数（元） ledger', 'ledgerFen', 'yuan'), col('差额（元） difference', 'differenceFen', 'yuan'), col('一致 agrees', 'agrees', 'text', 8), col('账本口径 ledger meaning', 'ledgerMeaning', 'text', 50)],
      rows: result.figures.map((figure) => ({ ...figure })),
    },
    ...(result.rate
      ? [
          {
            name: '执行率 rate',
            caption: [`报告执行率 reported rate: ${result.rate.reported}%`, result.rate.conclusion_zh, result.rate.conclusion_en],
            columns: [col('公式 formula', 'formula', 'text', 56), col('分子（元） numerator', 'numeratorFen', 'yuan'), col('分母（元） base', 'baseFen', 'yuan'), col('执行率 rate', 'rate', 'percent'), col('与报告一致 reproduces', 'reproduces', 'text', 10)],
            rows: result.rate.candidates.map((candidate) => ({ ...candidate })),
          } satisfies Sheet,
        ]
      : []),
  ];
}

export function leagueSheets(table: import('./league').LeagueTable): Sheet[] {
  const asOf = [table.asOf.date ? `业务日期 ≤ ${table.asOf.date}` : '', table.asOf.position !== undefined ? `日志位置 ≤ ${table.asOf.position}` : ''].filter(Boolean).join('，') || '当前 now';
  return [
    {
      name: '旗县区排名 league',
      caption: [
        `${table.fundId} 旗县区排名 county league table，截至 as of: ${asOf}（滞留计至 ${table.agesCountedTo}）`,
        `执行率 = ${table.formulas.executionRate.zh}`,
        `滞留中位数 = ${table.formulas.medianDwellDays.zh}`,
        `逾期资金 = ${table.formulas.overdue.zh}`,
      ],
      columns: [
        col('旗县区 county', 'countyName', 'text', 22),
        col('代码 code', 'countyCode', 'text', 10),
        col('到企业（元） paid', 'paidFen', 'yuan'),
        col('拨入（元） sent in', 'sentToCountyFen', 'yuan'),
        col('执行率 rate', 'executionRate', 'percent'),
        col('执行率排名 rank', 'rankByExecution', 'int'),
        col('滞留中位数（天） median dwell', 'medianDwellDays', 'int'),
        col('滞留排名 rank', 'rankByDwell', 'int'),
        col('持有（元） held', 'heldFen', 'yuan'),
        col('逾期（元） overdue', 'overdueFen', 'yuan'),
        col('逾期排名 rank', 'rankByOverdue', 'int'),
        col('最久（天） oldest', 'oldestHeldDays', 'int'),
      ],
      rows: table.rows.map((row) => ({ ...row })),
    },
  ];
}
