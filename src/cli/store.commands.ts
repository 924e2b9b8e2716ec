/**
 * `fundtrail store copy|verify`: moving a history between event stores (SQLite, PostgreSQL, EventStoreDB)
 * and proving the move. The work is in src/event-store/store-copy.ts; this file is the command line.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createEventStore } from '../event-store/create-event-store';
import type { EventStore } from '../event-store/event-store.port';
import { copyStore, describeStoreUrl, parseStoreUrl, StoreCopyError, verifyCopy } from '../event-store/store-copy';
import { ProgressBar } from '../shared/progress';

async function openStore(url: string, role: 'source' | 'target'): Promise<EventStore> {
  const config = parseStoreUrl(url);
  if (role === 'source' && config.kind === 'sqlite' && !existsSync(config.filename)) {
    throw new StoreCopyError(`源库不存在 / the source ${config.filename} does not exist`);
  }
  return createEventStore(config);
}

async function withStores<T>(from: string, to: string, work: (source: EventStore, target: EventStore) => Promise<T>): Promise<T> {
  if (JSON.stringify(parseStoreUrl(from)) === JSON.stringify(parseStoreUrl(to))) {
    throw new StoreCopyError('源与目标相同 / the source and the target are the same store');
  }
  const source = await openStore(from, 'source');
  let target: EventStore | undefined;
  try {
    target = await openStore(to, 'target');
    return await work(source, target);
  } finally {
    await target?.close();
    await source.close();
  }
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new StoreCopyError(`${value}: expected a whole number`);
  return number;
}

/** A refused copy or verification is an answer, not a crash: its reason and exit code 1. */
async function answering(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof StoreCopyError)) throw error;
    process.stderr.write(`fundtrail: ${error.message}\n`);
    process.exitCode = 1;
  }
}

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('事件库 / event stores: copy a history between them, verify a copy');
  store
    .command('copy')
    .description('复制全部事件（保留 id、顺序、日期与哈希，可断点续传，结束时校验）/ copy a whole history (ids, order, dates, hashes kept; resumable; verified at the end)')
    .requiredOption('--from <url>', 'source: sqlite:///path/events.db | postgres://…[?schema=name] | esdb://…')
    .requiredOption('--to <url>', 'target (empty, or an interrupted copy of the same source)')
    .option('--limit <events>', 'copy at most this many events, then stop (run again to resume)', positiveInteger)
    .option('--batch-size <events>', 'events read from the source per batch', positiveInteger, 1_000)
    .option('--no-verify', 'skip the final verification')
    .option('--json', 'JSON report for scripts')
    .action((options: { from: string; to: string; limit?: number; batchSize: number; verify: boolean; json?: boolean }) =>
      answering(() =>
        withStores(options.from, options.to, async (source, target) => {
          const bar = new ProgressBar(`复制 / copying ${describeStoreUrl(options.from)} → ${describeStoreUrl(options.to)}`);
          const report = await copyStore(source, target, {
            limit: options.limit,
            batchSize: options.batchSize,
            verify: options.verify,
            onProgress: (copied, total) => bar.update(copied, total),
          });
          bar.done(`${report.copied} events`);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            return;
          }
          const lines = [
            report.resumedAfter > 0
              ? `续传：目标已有源位置 ${report.resumedAfter} 之前的事件 / resumed after source position ${report.resumedAfter}`
              : '从头复制 / copied from the beginning',
            `已复制 ${report.copied} 个事件，源位置至 ${report.lastSourcePosition} / copied ${report.copied} events, up to source position ${report.lastSourcePosition}`,
            report.complete
              ? '源库已全部复制 / the whole source is in the target'
              : '未完成（--limit）：再次运行以续传 / not finished (--limit): run again to resume',
          ];
          if (report.verification) {
            const v = report.verification;
            lines.push(
              `校验通过：${v.events} 个事件、${v.streams} 条流、${v.idempotencyKeys} 个幂等键一致，哈希链完整 / verified: ${v.events} events, ${v.streams} streams, ${v.idempotencyKeys} idempotency keys equal, every chain intact`,
            );
          }
          process.stdout.write(`${lines.join('\n')}\n`);
        }),
      ),
    );

  store
    .command('verify')
    .description('校验目标库与源库逐事件一致 / verify that a target holds exactly the source, event for event')
    .requiredOption('--from <url>', 'source')
    .requiredOption('--to <url>', 'target')
    .option('--json', 'JSON report for scripts')
    .action((options: { from: string; to: string; json?: boolean }) =>
      answering(() =>
        withStores(options.from, options.to, async (source, target) => {
          const bar = new ProgressBar('校验 / verifying');
          const report = await verifyCopy(source, target, (events) => bar.update(events));
          bar.done(`${report.events} events`);
          process.stdout.write(
            options.json
              ? `${JSON.stringify(report, null, 2)}\n`
              : `校验通过：${report.events} 个事件、${report.streams} 条流、${report.idempotencyKeys} 个幂等键一致 / verified: ${report.events} events, ${report.streams} streams, ${report.idempotencyKeys} idempotency keys equal\n`,
          );
        }),
      ),
    );
}
