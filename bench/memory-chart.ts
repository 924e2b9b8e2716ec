/**
 * docs/benchmarks-memory.png: the process's memory along rebuilds, from the CSV traces of `rebuild-once --trace`
 * (one line per trace: RSS against the events committed so far), drawn by the peers chart's chartPng.
 *   node dist/bench/memory-chart.js label=trace.csv [label=trace.csv …] [docs/benchmarks-memory.png]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chartPng } from './peers/chart';

const ROOT = resolve(__dirname, '..', '..');
const COLORS = ['#c0392b', '#2471a3', '#27ae60', '#e67e22', '#8e44ad', '#7f7f7f'];

/** [events, RSS MB] of each sample of a trace, in order. */
export function readTrace(path: string): Array<[number, number]> {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const events = columns.indexOf('events');
  const rss = columns.indexOf('rss_mb');
  if (events < 0 || rss < 0) throw new Error(`${path}: not a rebuild-once trace (no events and rss_mb columns)`);
  return lines.map((line) => line.split(',')).map((cells) => [Number(cells[events]), Number(cells[rss])]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const output = args.find((arg) => arg.endsWith('.png')) ?? join(ROOT, 'docs', 'benchmarks-memory.png');
  const traces = args.filter((arg) => arg.includes('=')).map((arg) => {
    const [label, path] = arg.split('=') as [string, string];
    return { label, points: readTrace(path) };
  });
  if (traces.length === 0) throw new Error('usage: memory-chart label=trace.csv [label=trace.csv …] [out.png]');
  await chartPng('Memory along a full rebuild: process RSS (MB) against events committed', { width: 1100, height: 560, output }, {
    grid: { left: 80, right: 40, top: 115, bottom: 60 },
    xAxis: { type: 'value', max: 'dataMax', name: 'events committed (millions)', nameLocation: 'middle', nameGap: 35, axisLabel: { formatter: (value: number) => `${value / 1e6}` } },
    yAxis: { type: 'value', name: 'RSS (MB)', min: 0 },
    series: traces.map((trace, index) => ({ name: trace.label, type: 'line', showSymbol: false, color: COLORS[index % COLORS.length], data: trace.points })),
  });
  console.error(`chart: ${output}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
