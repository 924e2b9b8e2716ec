/**
 * `fundtrail balances|dwell|execution|held-up <fundId> [--as-of D] [--at-position N] [--json]`,
 * `fundtrail rebuild [name…]` (progress bar with events/s and ETA), `fundtrail verify` (exit code 1 on a difference),
 * `fundtrail projections` (checkpoints and lag). Query commands catch the read model up before answering.
 */
import type { Command } from 'commander';
import { formatWan, formatYuanGrouped } from '../src/domain/money';
import type { Runtime } from '../src/app/runtime';
import { printJsonOrTable, renderTable, withRuntime } from '../src/cli/cli-runtime';
import { ProgressBar } from '../src/shared/progress';
import { present } from '../src/shared/present';
import { type Cut, type ExecutionBase, FundNotFoundError, balancesQuery, dwellQuery, executionQuery, heldUpQuery } from './queries';
import { PROJECTIONS } from './registry';

interface QueryOptions {
  asOf?: string;
  atPosition?: string;
  json?: boolean;
  base?: ExecutionBase;
}

const wan = (fen: number) => formatWan(fen);
const yuan = (fen: number) => formatYuanGrouped(fen);

function cutOf(options: QueryOptions, runtime: Runtime): Cut {
  if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf)) throw new Error(`--as-of must be YYYY-MM-DD, got ${options.asOf}`);
  if (options.atPosition !== undefined && !/^\d+$/.test(options.atPosition)) throw new Error(`--at-position must be a whole number, got ${options.atPosition}`);
  return {
    ...(options.asOf ? { asOf: options.asOf } : {}),
    ...(options.atPosition !== undefined ? { atPosition: Number(options.atPosition) } : {}),
    today: runtime.clock().toISOString().slice(0, 10),
  };
}

function queryCommand<T>(
  program: Command,
  name: string,
  description: string,
  run: (runtime: Runtime, fundId: string, cut: Cut, options: QueryOptions) => Promise<T>,
  table: (answer: T) => string,
): Command {
  return program
    .command(`${name} <fundId>`)
    .description(description)
    .option('--as-of <date>', '业务日期截至 / as of a business date YYYY-MM-DD')
    .option('--at-position <n>', '日志位置截至 / as of a position in the log')
    .option('--json', 'JSON for scripts')
    .action((fundId: string, options: QueryOptions) =>
      withRuntime(async (runtime) => {
        await runtime.projections.catchUp();
        try {
          const answer = await run(runtime, fundId, cutOf(options, runtime), options);
          printJsonOrTable(Boolean(options.json), present(answer), () => table(answer));
        } catch (error) {
          if (!(error instanceof FundNotFoundError)) throw error;
          process.stderr.write(`专项资金 ${fundId} 不存在（或在该时点尚未设立） / fund ${fundId} not found at this cut\n`);
          process.exitCode = 1;
        }
      }),
    );
}

const cutLine = (cut: { asOf: string | null; atPosition: number | null }) =>
  cut.asOf || cut.atPosition !== null ? `截至 as of ${[cut.asOf, cut.atPosition !== null ? `position ${cut.atPosition}` : null].filter(Boolean).join(', ')}` : '当前 live';

export function registerProjectionCommands(program: Command): void {
  queryCommand(program, 'balances', '余额 / balances per holder, level, county; in transit; unallocated', (runtime, fundId, cut) => runtime.projections.db().then((db) => balancesQuery(db, fundId, cut)), (answer) =>
    [
      `${answer.name} (${answer.fundId}) — ${cutLine(answer.cut)}`,
      `预算 appropriated ${wan(answer.appropriatedFen)} 万元 · 未分配 unallocated ${wan(answer.unallocatedFen)} · 在途 in transit ${wan(answer.inTransitFen)} · 到企业 at enterprises ${wan(answer.atEnterprisesFen)}`,
      `守恒 conservation: ${answer.conservation.formula_zh} → ${wan(answer.conservation.placesFen)} = ${wan(answer.conservation.appropriatedFen)} 万元 ${answer.conservation.reconciles ? '✓' : '✗ MISMATCH'}`,
      '',
      renderTable(['层级 level', '余额(万元) balance'], answer.byLevel.map((row) => [`${row.zh} ${row.level}`, wan(row.balanceFen)])),
      '',
      renderTable(
        ['单位 holder', '层级 level', '旗县区 county', '余额(元) balance'],
        answer.holders.filter((row) => row.level !== 'enterprise').map((row) => [row.name, row.level, row.countyName ?? '', yuan(row.balanceFen)]),
      ),
    ].join('\n'),
  );

  queryCommand(program, 'dwell', '滞留时间 / dwell time (FIFO): aging of what is held, dwell of what was sent on', (runtime, fundId, cut) => runtime.projections.db().then((db) => dwellQuery(db, fundId, cut)), (answer) =>
    [
      `${answer.fundId} — ${cutLine(answer.cut)}; 账龄计至 ages counted to ${answer.agesCountedTo}`,
      `${answer.method.zh}`,
      `滞留合计 held ${wan(answer.held.total.amountFen)} 万元, 加权平均 mean ${answer.held.total.weightedMeanAgeDays} 天 days, 最长 oldest ${answer.held.total.oldestAgeDays} 天 (since ${answer.held.total.oldestSince ?? '-'})`,
      '',
      renderTable(
        ['单位 holder', '层级 level', '金额(万元)', '平均天数 mean', '最长 oldest', ...answer.buckets.map((b) => `${b}天`)],
        answer.held.places.map((row) => [row.name, row.level, wan(row.amountFen), row.weightedMeanAgeDays, row.oldestAgeDays, ...answer.buckets.map((b) => wan(row.buckets[`${b}Fen`]))]),
      ),
      '',
      '拨出前停留 dwell before sending on:',
      renderTable(
        ['单位 holder', '层级 level', '拨出(万元) sent', '平均天数 mean', '最长 longest'],
        answer.sent.places.map((row) => [row.name, row.level, wan(row.sentFen), row.weightedMeanDwellDays, row.longestDwellDays]),
      ),
    ].join('\n'),
  )
    ;

  queryCommand(
    program,
    'execution',
    '预算执行率 / execution rate: numerator, base and formula; by document, county, direction, month; arrival per level',
    (runtime, fundId, cut, options) => runtime.projections.db().then((db) => executionQuery(db, fundId, cut, options.base ?? 'budget')),
    (answer) =>
      [
        `${answer.name} (${answer.fundId}) — ${cutLine(answer.cut)}`,
        `分子 numerator: ${answer.numerator.zh} = ${wan(answer.numerator.amountFen)} 万元`,
        `基数 base (${answer.base.name}): ${answer.base.zh} = ${wan(answer.base.amountFen)} 万元`,
        `执行率 rate = ${answer.formula} = ${answer.rate}   (budget base ${answer.rates.budget.rate}; allocated base ${answer.rates.allocated.rate})`,
        `预算 budget ${wan(answer.budgetFen)} · 已下达 allocated ${wan(answer.allocatedFen)} · 结余收回统筹 swept to pool ${wan(answer.unallocatedSweptToPoolFen)} 万元`,
        '',
        renderTable(['文号 document', '渠道 channel', '下达(万元)', '到企业(万元)', '执行率 rate'], answer.byAllocation.map((row) => [String(row.document), String(row.channel), wan(row.allocatedFen), wan(row.paidFen), row.rate])),
        '',
        renderTable(['旗县区 county', '拨入(万元) sent to county', '到企业(万元) paid', '执行率 rate'], answer.byCounty.map((row) => [row.countyName, wan(row.sentToCountyFen), wan(row.paidFen), row.rate])),
        '',
        renderTable(['支持方向 direction', '核定(万元) approved', '到企业(万元) paid', '执行率 rate'], answer.byDirection.map((row) => [row.direction, wan(row.approvedFen), wan(row.paidFen), row.rate])),
        '',
        renderTable(['月份 month', '当月(万元)', '累计(万元)', `累计执行率 ÷ ${answer.base.name}`], answer.monthly.map((row) => [row.month, wan(row.paidFen), wan(row.cumulativePaidFen), row.cumulativeRate])),
        '',
        renderTable(['层级 level', '到位(万元) received', '应到(万元) planned', '到位率 rate', '公式 formula'], answer.arrivalByLevel.map((row) => [`${row.zh}`, wan(row.receivedFen), wan(row.plannedFen), row.rate, row.formula])),
      ].join('\n'),
  ).option('--base <base>', '基数 base: budget (预算) or allocated (已下达)', 'budget');

  queryCommand(program, 'held-up', '资金滞留 / where money is held up (amount × age) and who is waiting for it', (runtime, fundId, cut) => runtime.projections.db().then((db) => heldUpQuery(db, fundId, cut)), (answer) =>
    [
      `${answer.fundId} — ${cutLine(answer.cut)}; 账龄计至 ages counted to ${answer.agesCountedTo}; ${answer.orderedBy.zh}`,
      '',
      renderTable(
        ['单位 holder', '层级 level', '滞留(万元) held', '平均天数 mean', '最长 oldest', '等待项目 projects', '等待企业 enterprises', '待拨(万元) waiting'],
        answer.holders.map((row) => [row.name, row.level, wan(row.heldFen), row.weightedMeanAgeDays, row.oldestAgeDays, row.waitingProjectsCount, row.waitingEnterprisesCount, wan(row.waitingFen)]),
      ),
    ].join('\n'),
  );

  program
    .command('projections')
    .description('读模型状态 / read models: checkpoint and lag of each projection')
    .option('--json', 'JSON for scripts')
    .action((options: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        const lag = await runtime.projections.lag();
        printJsonOrTable(Boolean(options.json), lag, () =>
          renderTable(['投影 projection', '位置 position', '日志头 head', '滞后 lag'], lag.projections.map((row) => [row.name, row.position, row.headPosition, row.lag])),
        );
      }),
    );

  program
    .command('rebuild [names...]')
    .description(`重建读模型 / drop and refill projections from the events (all, or: ${PROJECTIONS.map((p) => p.name).join(', ')})`)
    .action((names: string[]) =>
      withRuntime(async (runtime) => {
        const bar = new ProgressBar(`重建 rebuild ${names.length > 0 ? names.join(', ') : 'all'}`);
        const result = await runtime.projections.rebuild(names, { onProgress: (done, total) => bar.update(done, total) });
        bar.done(`${result.events.toLocaleString('en-US')} events, ${Math.round(result.events / Math.max(result.seconds, 1e-6)).toLocaleString('en-US')} events/s`);
      }),
    );

  program
    .command('verify')
    .description('核验读模型 / rebuild into a shadow copy and compare with the live read model (exit 1 on a difference)')
    .option('--json', 'JSON for scripts')
    .action((options: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        const bar = new ProgressBar('核验 verify (shadow rebuild)');
        const report = await runtime.projections.verify({ onProgress: (done, total) => bar.update(done, total) });
        bar.done();
        printJsonOrTable(Boolean(options.json), report, () =>
          [
            renderTable(['表 table', '现行 live rows', '影子 shadow rows', '差异 differences'], report.tables.map((row) => [row.table, row.liveRows, row.shadowRows, row.differences])),
            ...report.differences.map((difference) => `≠ ${difference.table} ${difference.key}\n  live:   ${JSON.stringify(difference.live)}\n  shadow: ${JSON.stringify(difference.shadow)}`),
            report.ok ? `一致 OK at position ${report.position}` : `不一致 DIFFERENT at position ${report.position}`,
          ].join('\n'),
        );
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
