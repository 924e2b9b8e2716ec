/**
 * `fundtrail replay|verify|reconcile|duplicates|enterprise|league|export|import`: the auditor's tools on the
 * command line. Tables for people, `--json` for scripts, `--out <file.xlsx|file.csv>` for a file to take away.
 * Exit codes: 0 done; 1 a check failed (verify, import) or the thing asked for does not exist.
 */
import { HttpException } from '@nestjs/common';
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { userInfo } from 'node:os';
import { HOHHOT_2022_REPORT } from '../demo/hohhot-2022';
import { formatWan, formatYuanGrouped, isBusinessDate, parseYuan, wan } from '../domain';
import { present } from '../shared/present';
import { ProgressBar } from '../shared/progress';
import { printJsonOrTable, renderTable, withRuntime } from '../cli/cli-runtime';
import type { Runtime } from '../app/runtime';
import { AuditService } from './audit.service';
import { TableFormatError } from './import/read-table';
import { writeTemplate } from './import/template';
import type { ReportedFigures } from './reconcile';
import type { AsOf, ReplayStep } from './replay';
import { differenceSheets, duplicateSheets, enterpriseSheets, leagueSheets, levelName, reconcileSheets, replaySheets, stateSheets, verifySheets } from './sheets';
import { type ExportFormat, type Sheet, writeSheets } from './tabular';
import { DigestFormatError, parseDigest } from './verify';

interface OutputOptions {
  json?: boolean;
  out?: string;
}

const fail = (zh: string, en: string): void => {
  process.stderr.write(`fundtrail: ${zh}\n           ${en}\n`);
  process.exitCode = 1;
};

/** Runs an audit action; a missing fund or enterprise, or a bad argument, is an answer with exit code 1, not a stack trace. */
function audit(work: (service: AuditService, runtime: Runtime) => Promise<void>): Promise<void> {
  return withRuntime(async (runtime) => {
    try {
      await work(new AuditService(runtime), runtime);
    } catch (error) {
      if (error instanceof HttpException) {
        const body = error.getResponse() as { message_zh?: string; message_en?: string; candidates?: Array<{ holderId: string; name: string }> };
        fail(body.message_zh ?? error.message, body.message_en ?? error.message);
        for (const candidate of body.candidates ?? []) process.stderr.write(`           ${candidate.holderId}  ${candidate.name}\n`);
        return;
      }
      if (error instanceof DigestFormatError || error instanceof ArgumentError) return fail(error.message, error.message);
      if (error instanceof TableFormatError) return fail(error.reason_zh, error.reason_en);
      throw error;
    }
  });
}

class ArgumentError extends Error {}

function formatOf(file: string): ExportFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.xlsx') return 'xlsx';
  if (extension === '.csv') return 'csv';
  throw new ArgumentError(`--out 须以 .xlsx 或 .csv 结尾 / --out must end in .xlsx or .csv: ${file}`);
}

async function output(options: OutputOptions, value: unknown, sheets: () => Sheet[], table: () => string): Promise<void> {
  if (options.out) {
    const content = await writeSheets(formatOf(options.out), sheets());
    writeFileSync(options.out, content);
    process.stderr.write(`已写入 written: ${options.out} (${content.length.toLocaleString('en-US')} bytes)\n`);
    return;
  }
  printJsonOrTable(Boolean(options.json), present(value), table);
}

/** Any sheet as a text table: amounts in 元 with grouping. */
export function sheetText(sheet: Sheet, options: { captions?: boolean; rowsMax?: number } = {}): string {
  const rows = options.rowsMax ? sheet.rows.slice(0, options.rowsMax) : sheet.rows;
  const table = renderTable(
    sheet.columns.map((column) => column.header),
    rows.map((row) =>
      sheet.columns.map((column) => {
        const value = row[column.key];
        if (value === undefined || value === null) return '';
        if (column.kind === 'yuan' && typeof value === 'number') return formatYuanGrouped(value);
        if (column.kind === 'percent' && value !== '') return `${typeof value === 'number' ? value.toFixed(2) : value}%`;
        if (typeof value === 'boolean') return value ? '是' : '否';
        return String(value);
      }),
    ),
  );
  const more = options.rowsMax && sheet.rows.length > options.rowsMax ? `\n… ${sheet.rows.length - options.rowsMax} more rows (--out file.xlsx for all)` : '';
  return [...(options.captions === false ? [] : (sheet.caption ?? [])), table].join('\n') + more;
}

function asOfOf(options: { asOf?: string; atPosition?: string }): AsOf {
  const asOf: AsOf = {};
  if (options.asOf !== undefined) {
    if (!isBusinessDate(options.asOf)) throw new ArgumentError(`--as-of 须为 YYYY-MM-DD / --as-of must be a date YYYY-MM-DD: ${options.asOf}`);
    asOf.date = options.asOf;
  }
  if (options.atPosition !== undefined) {
    const position = Number(options.atPosition);
    if (!Number.isSafeInteger(position) || position < 0) throw new ArgumentError(`--at-position 须为非负整数 / --at-position must be a whole number: ${options.atPosition}`);
    asOf.position = position;
  }
  return asOf;
}

function dateOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isBusinessDate(value)) throw new ArgumentError(`${name} 须为 YYYY-MM-DD / ${name} must be a date YYYY-MM-DD: ${value}`);
  return value;
}

function replayText(replay: { fundId: string; name: string; total: number; steps: ReplayStep[] }): string {
  const balances = (step: ReplayStep) =>
    step.balances.map((balance) => `${balance.name} ${formatWan(balance.beforeFen)}→${formatWan(balance.afterFen)}`).join('；');
  return [
    `${replay.name}（${replay.fundId}）：${replay.steps.length} / ${replay.total} 个事件 events；余额单位 万元 (balances in 万元: before→after)`,
    renderTable(
      ['位置 pos', '日期 date', '类型 type', '说明 what', '余额 balances'],
      replay.steps.map((step) => [step.position, step.occurredAt, `${step.typeName.zh}${step.reversedBy ? '（已冲正）' : ''}`, step.description, balances(step)]),
    ),
  ].join('\n');
}

const OUTPUT = (command: Command) => command.option('--json', 'JSON for scripts').option('--out <file>', '写入 XLSX 或 CSV 文件 / write an .xlsx or .csv file');

export function registerAuditCommands(program: Command): void {
  OUTPUT(
    program
      .command('replay <fundId>')
      .description('资金回放：逐笔事件及各单位余额；或某时点状态、两日期间的变动 / replay a fund step by step with running balances; or its state as of a date/position; or what moved and stayed between two dates')
      .option('--holder <holderId>', '只看涉及该单位的事件 / events touching this holder')
      .option('--county <code>', '只看涉及该旗县区的事件 / events touching this county (6-digit code)')
      .option('--project <projectId>', '只看该项目的事件 / events of this project')
      .option('--from <date>', '业务日期起（含） / from this business date (inclusive)')
      .option('--to <date>', '业务日期止（含） / up to this business date (inclusive)')
      .option('--as-of <date>', '显示该日期的资金状态 / show the state as of this business date')
      .option('--at-position <n>', '显示截至该日志位置的资金状态 / show the state as of this log position')
      .option('--diff <from..to>', '两日期间的变动，如 2022-12-31..2023-12-31 / what moved and what stayed between two dates'),
  ).action((fundId: string, options: OutputOptions & { holder?: string; county?: string; project?: string; from?: string; to?: string; asOf?: string; atPosition?: string; diff?: string }) =>
    audit(async (service) => {
      if (options.diff) {
        const [from, to] = options.diff.split('..');
        const difference = await service.difference(fundId, dateOption('--diff', from)!, dateOption('--diff', to ?? '')!);
        const sheets = differenceSheets(difference);
        return output(options, difference, () => sheets, () => [sheetText(sheets[0]), '', replayText({ fundId, name: difference.name, total: difference.moved.length, steps: difference.moved })].join('\n'));
      }
      if (options.asOf !== undefined || options.atPosition !== undefined) {
        const state = await service.state(fundId, asOfOf(options));
        return output(options, state, () => stateSheets(state), () => sheetText(stateSheets(state)[0]));
      }
      const replay = await service.replay(fundId, {
        holderId: options.holder,
        countyCode: options.county,
        projectId: options.project,
        from: dateOption('--from', options.from),
        to: dateOption('--to', options.to),
      });
      return output(options, replay, () => replaySheets(replay), () => replayText(replay));
    }),
  );

  // `verify` is the history's tamper check (issue 6); the read models' shadow-rebuild check (issue 3, projections/cli.ts)
  // registers a `verify` too: it stays reachable as `verify --read-models`.
  const readModelVerify = takeCommand(program, 'verify');
  OUTPUT(
    program
      .command('verify')
      .description('防篡改校验：检查每个事件流的哈希链与全局顺序，输出历史摘要；--digest 证明截至摘要时的历史未被改动 / check every hash chain and the global order, print the digest of the history; with --digest prove the history up to it is unchanged and only grew')
      .option('--fund <fundId>', '只校验并摘要一个资金 / one fund only')
      .option('--digest <digest>', '此前记录的摘要 / a digest filed earlier')
      .option('--read-models', '改为核验读模型（影子重建对比，见 projections）/ instead check the read models against a shadow rebuild (projections)'),
  ).action(async (options: OutputOptions & { fund?: string; digest?: string; readModels?: boolean }) => {
    if (options.readModels) {
      if (!readModelVerify) return fail('读模型核验不可用', 'the read-model check is not available in this build');
      await readModelVerify.parseAsync(options.json ? ['--json'] : [], { from: 'user' });
      return;
    }
    return audit(async (service) => {
      const against = options.digest ? parseDigest(options.digest) : undefined;
      const bar = new ProgressBar('校验 verifying', 'events');
      const report = await service.verify({ fundId: options.fund, against, onProgress: (read, head) => bar.update(read, head) });
      bar.done();
      if (!report.ok) process.exitCode = 1;
      return output(options, report, () => verifySheets(report), () =>
        [
          report.ok ? `✓ 校验通过 OK：${report.events} 个事件，${report.streams} 个事件流，哈希链完整，顺序正确` : `✗ 校验未通过 FAILED：${report.breaks.length} 处问题 problems`,
          ...(report.firstBreak
            ? [`  第一个问题事件 first bad event: 位置 position ${report.firstBreak.position}，${report.firstBreak.streamId} 版本 version ${report.firstBreak.version}，${report.firstBreak.type}，${report.firstBreak.eventId}`, `  ${report.firstBreak.message_zh} / ${report.firstBreak.message_en}`]
            : []),
          ...(report.against ? [`${report.against.ok ? '✓' : '✗'} 对照摘要 against the filed digest: ${report.against.message_zh}`, `  ${report.against.message_en}`] : []),
          `摘要 digest (${report.scope}): ${report.digest}`,
          ...(report.breaks.length > 1 ? ['', sheetText(verifySheets(report)[0], { captions: false, rowsMax: 20 })] : []),
        ].join('\n'),
      );
    });
  });

  OUTPUT(
    program
      .command('reconcile <fundId>')
      .description('对账：报告数与账本逐项对照，给出能得出报告执行率的公式，或说明常用口径均不能得出 / set reported figures against the ledger; name the formula that reproduces the reported rate, or say none does')
      .option('--budget <amount>', '报告的预算数 / reported budget')
      .option('--allocated <amount>', '报告的下达数 / reported allocated')
      .option('--spent <amount>', '报告的支出数 / reported spent')
      .option('--rate <percent>', '报告的执行率，如 18.09 / reported execution rate')
      .option('--unit <unit>', '金额单位 wan（万元，默认）或 yuan（元） / unit of the amounts: wan (default) or yuan', 'wan')
      .option('--source <text>', '报告名称 / where the figures come from')
      .option('--as-of <date>', '账本截至日期 / the ledger as of this date')
      .option('--demo-report', '使用演示资金绩效评价报告的数字 / the figures of the demo fund’s evaluation report'),
  ).action((fundId: string, options: OutputOptions & { budget?: string; allocated?: string; spent?: string; rate?: string; unit: string; source?: string; asOf?: string; demoReport?: boolean }) =>
    audit(async (service) => {
      if (options.unit !== 'wan' && options.unit !== 'yuan') throw new ArgumentError(`--unit 须为 wan 或 yuan / --unit must be wan or yuan: ${options.unit}`);
      const amount = (value?: string) => (value === undefined ? undefined : options.unit === 'wan' ? wan(value) : parseYuan(value));
      const reported: ReportedFigures = options.demoReport
        ? {
            unit: 'wan',
            budgetFen: wan(HOHHOT_2022_REPORT.budgetWan),
            allocatedFen: HOHHOT_2022_REPORT.allocations.reduce((sum, allocation) => sum + wan(allocation.amountWan), 0),
            spentFen: wan(HOHHOT_2022_REPORT.paidToEnterprisesWan),
            executionRate: HOHHOT_2022_REPORT.executionRatePrinted,
            source: '2022年工业高质量发展专项资金项目绩效评价简版报告（内蒙古云海绩效管理咨询有限公司）',
          }
        : { unit: options.unit, budgetFen: amount(options.budget), allocatedFen: amount(options.allocated), spentFen: amount(options.spent), executionRate: options.rate, source: options.source };
      const result = await service.reconcile(fundId, reported, asOfOf(options));
      const sheets = reconcileSheets(result);
      return output(options, result, () => sheets, () => sheets.map((sheet) => sheetText(sheet)).join('\n\n'));
    }),
  );

  OUTPUT(
    program
      .command('duplicates')
      .description('重复奖补：同一企业同一年度同一支持方向多次获奖补（跨资金、跨渠道），同一项目重复登记或重复兑现 / duplicate awards across funds and channels'),
  ).action((options: OutputOptions) =>
    audit(async (service) => {
      const report = await service.duplicates();
      const sheets = duplicateSheets(report);
      return output(options, report, () => sheets, () =>
        [
          `同方向重复 same direction: ${report.sameDirection.length} 家企业 enterprises；同项目重复 same project: ${report.sameProject.length}`,
          '',
          sheetText(sheets[0]),
          '',
          sheetText(sheets[1]),
        ].join('\n'),
      );
    }),
  );

  OUTPUT(
    program
      .command('enterprise <query>')
      .description('企业受奖补历史（跨资金、跨年度）；按单位编号、统一社会信用代码或名称查找 / an enterprise’s applications, awards and payouts across funds and years (by id, credit code or name)'),
  ).action((query: string, options: OutputOptions) =>
    audit(async (service) => {
      const history = await service.enterprise(query);
      const sheets = enterpriseSheets(history);
      return output(options, history, () => sheets, () => sheetText(sheets[0]));
    }),
  );

  OUTPUT(
    program
      .command('league <fundId>')
      .description('旗县区排名：执行率、滞留时间中位数、逾期资金，可指定时点 / counties ranked by execution rate, median dwell time and overdue money, as of any date')
      .option('--as-of <date>', '截至业务日期 / as of this business date')
      .option('--at-position <n>', '截至日志位置 / as of this log position')
      .option('--by <criterion>', '排序：execution（默认）、dwell、overdue / order by', 'execution'),
  ).action((fundId: string, options: OutputOptions & { asOf?: string; atPosition?: string; by: string }) =>
    audit(async (service) => {
      const table = await service.league(fundId, asOfOf(options));
      const key = ({ execution: 'rankByExecution', dwell: 'rankByDwell', overdue: 'rankByOverdue' } as const)[options.by as 'execution'];
      if (!key) throw new ArgumentError(`--by 须为 execution、dwell 或 overdue / --by must be execution, dwell or overdue: ${options.by}`);
      table.rows.sort((a, b) => a[key] - b[key] || a.countyCode.localeCompare(b.countyCode));
      return output(options, table, () => leagueSheets(table), () => sheetText(leagueSheets(table)[0]));
    }),
  );

  program
    .command('export <report> [args...]')
    .description('导出任一报告为 XLSX 或 CSV：export replay|verify|reconcile|duplicates|enterprise|league <参数> --out <文件> / export any report, e.g. `export replay hohhot-2022-industrial --out replay.xlsx`')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (report: string, args: string[]) => {
      const known = ['replay', 'verify', 'reconcile', 'duplicates', 'enterprise', 'league'];
      if (!known.includes(report)) return fail(`未知报告 ${report}，可选：${known.join('、')}`, `unknown report ${report}: one of ${known.join(', ')}`);
      if (!args.includes('--out')) return fail('导出须指定 --out <文件.xlsx|文件.csv>', 'export needs --out <file.xlsx|file.csv>');
      const { buildProgram } = await import('../cli/main');
      await buildProgram().parseAsync([report, ...args], { from: 'user' });
    });

  program
    .command('import [file]')
    .description('导入既有台账（XLSX 或 CSV，模板见 docs/import-template.md）：逐行校验，全部通过才写入；重复导入同一文件不产生变化 / import an existing ledger; every row is checked first, nothing is half-imported, importing the same file again changes nothing')
    .option('--dry-run', '只校验，不写入 / check only')
    .option('--template <file>', '生成导入模板（.xlsx 或 .csv）/ write the template file')
    .option('--no-examples', '模板不含示例行 / the template without its example rows')
    .option('--json', 'JSON for scripts')
    .action((file: string | undefined, options: { dryRun?: boolean; template?: string; examples: boolean; json?: boolean }) => {
      if (options.template) {
        return writeTemplate(formatOf(options.template), { examples: options.examples }).then((content) => {
          writeFileSync(options.template!, content);
          process.stderr.write(`已写入模板 template written: ${options.template}\n`);
        });
      }
      if (!file) return fail('请指定要导入的文件，或用 --template 生成模板', 'name the file to import, or write the template with --template');
      return audit(async (service) => {
        const content = readFileSync(file);
        const check = new ProgressBar('校验 checking', 'rows');
        let append: ProgressBar | undefined;
        const user = (() => {
          try {
            return userInfo().username;
          } catch {
            return 'cli';
          }
        })();
        const report = await service.import(basename(file), content, {
          actor: { id: `cli:${user}`, role: 'importer', unit: `台账导入 ${basename(file)}` },
          dryRun: options.dryRun,
          onProgress: (phase, done, total) => {
            if (phase === 'check') check.update(done, total);
            else (append ??= new ProgressBar('写入 appending', 'commands')).update(done, total);
          },
        });
        check.done();
        append?.done();
        if (!report.ok) process.exitCode = 1;
        printJsonOrTable(Boolean(options.json), report, () =>
          [
            `${report.file}（${report.format}，${report.rows} 行 rows，${report.commands} 笔业务 commands）`,
            report.ok
              ? report.dryRun
                ? `✓ 校验通过，未写入（--dry-run）/ all rows valid, nothing written (dry run); ${report.alreadyImported} already imported`
                : `✓ 导入完成 imported: ${report.applied} 笔写入 applied（${report.eventsAppended} 个事件 events），${report.alreadyImported} 笔此前已导入 already imported, skipped`
              : `✗ ${report.errors.length}${report.errorsTruncated ? '+' : ''} 处错误，未写入任何数据 / errors found, nothing was written`,
            ...(report.unknownHeaders.length ? [`未识别的列（已忽略）unknown columns ignored: ${report.unknownHeaders.join('、')}`] : []),
            ...(report.errors.length
              ? ['', renderTable(['行 row', '列 column', '原因 reason'], report.errors.map((error) => [error.row, error.column ?? '', `${error.reason_zh} / ${error.reason_en}`]))]
              : []),
          ].join('\n'),
        );
      });
    });
}

export { levelName };

/** Detaches an already registered command of that name (to be reached through ours), or undefined. */
function takeCommand(program: Command, name: string): Command | undefined {
  const index = program.commands.findIndex((command) => command.name() === name);
  if (index < 0) return undefined;
  const [command] = (program.commands as Command[]).splice(index, 1);
  return command;
}
