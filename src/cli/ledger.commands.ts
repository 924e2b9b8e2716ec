import type { Command } from 'commander';
import { createHttpApp } from '../app/http-app';
import { loadDemo } from '../app/demo-loader';
import { formatWan, formatYuanGrouped, fundStreamId } from '../domain';
import { ProgressBar } from '../shared/progress';
import { printJsonOrTable, renderTable, withRuntime } from './cli-runtime';
import { summarizeFund } from '../ledger/ledger.queries';
import { present } from '../shared/present';

export function registerLedgerCommands(program: Command): void {
  program
    .command('serve')
    .description('启动服务 / start the HTTP server (same as npm start, without loading the demo)')
    .action(async () => {
      const { createRuntime } = await import('../app/runtime');
      const { loadConfig } = await import('../config');
      const config = loadConfig();
      const runtime = await createRuntime(config);
      const app = await createHttpApp(runtime);
      await app.listen(config.port, config.host);
      process.stdout.write(`Fundtrail listening on http://${config.host}:${config.port}\n`);
      await new Promise(() => undefined);
    });

  const demo = program.command('demo').description('演示数据 / the demo fund');
  demo
    .command('load')
    .description('载入呼和浩特市2022年工业高质量发展专项资金 / load the Hohhot 2022 fund (idempotent)')
    .action(() =>
      withRuntime(async (runtime) => {
        const bar = new ProgressBar('载入演示资金 / loading the demo fund', 'steps');
        const result = await loadDemo(runtime.ledger, (done, total) => bar.update(done, total));
        bar.done(`${result.events} new events`);
      }),
    );

  program
    .command('funds')
    .description('专项资金列表 / list funds')
    .option('--json', 'JSON for scripts')
    .action((options: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        await runtime.catalog.catchUp();
        const funds = [...runtime.catalog.funds.values()];
        printJsonOrTable(Boolean(options.json), present(funds), () =>
          renderTable(
            ['资金 fund', '名称 name', '年度 year', '预算(万元) budget'],
            funds.map((fund) => [fund.fundId, fund.name, fund.fiscalYear, formatWan(fund.budgetFen)]),
          ),
        );
      }),
    );

  program
    .command('fund <fundId>')
    .description('资金概况 / a fund: budget, allocations, balances')
    .option('--json', 'JSON for scripts')
    .action((fundId: string, options: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        const state = await runtime.queries.requireFund(fundId).catch(() => undefined);
        if (!state) {
          process.stderr.write(`专项资金 ${fundId} 不存在 / fund ${fundId} not found\n`);
          process.exitCode = 1;
          return;
        }
        const holders = new Map((await runtime.ledger.holders()).map((holder) => [holder.holderId, holder]));
        const summary = summarizeFund(state, holders);
        printJsonOrTable(Boolean(options.json), await runtime.queries.fund(fundId), () =>
          [
            `${summary.name} (${summary.fundId})`,
            `预算 budget ${formatWan(summary.budgetFen)} 万元 · 已下达 allocated ${formatWan(summary.allocatedFen)} · 未分配 unallocated ${formatWan(summary.unallocatedFen)} · 在途 in transit ${formatWan(summary.inTransitFen)} · 到企业 paid ${formatWan(summary.paidToEnterprisesFen)}`,
            '',
            renderTable(
              ['单位 holder', '层级 level', '余额(元) balance'],
              summary.balances.map((balance) => [balance.name ?? balance.holderId, balance.level, formatYuanGrouped(balance.balanceFen)]),
            ),
          ].join('\n'),
        );
      }),
    );

  program
    .command('events <fundId>')
    .description('资金事件及哈希 / the fund’s events in order with their hashes')
    .option('--json', 'JSON for scripts')
    .option('--limit <n>', 'how many', '50')
    .action((fundId: string, options: { json?: boolean; limit: string }) =>
      withRuntime(async (runtime) => {
        const events = await runtime.store.readStream(fundStreamId(fundId), { limit: Number(options.limit) || 50 });
        printJsonOrTable(Boolean(options.json), events, () =>
          renderTable(
            ['#', 'position', '日期 date', '类型 type', '文号 document', 'hash'],
            events.map((event) => [event.version, event.position, event.metadata.occurredAt, event.type, event.metadata.document, event.hash.slice(0, 12)]),
          ),
        );
      }),
    );
}
