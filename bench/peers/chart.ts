/**
 * docs/benchmarks-peers.png: throughput against history size, from bench/results/peers.json. ECharts renders
 * an SVG server-side; headless Chromium (playwright-core, /usr/bin/chromium) turns it into a PNG.
 *   node dist/bench/peers/chart.js [bench/results/peers.json …] [docs/benchmarks-peers.png]
 */
import * as echarts from 'echarts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { type Summary, summarise } from './run';

const ROOT = resolve(__dirname, '..', '..', '..');

const SERIES: Array<[string, string, string]> = [
  ['limit.read.sqlite', 'limit: SQLite read + JSON.parse', '#7f7f7f'],
  ['limit.read.postgres', 'limit: PostgreSQL cursor read + parse', '#bcbcbc'],
  ['fundtrail.rebuild.sqlite', 'Fundtrail rebuildAll, SQLite', '#c0392b'],
  ['fundtrail.rebuild.postgres', 'Fundtrail rebuildAll, PostgreSQL', '#e67e22'],
  ['emmett.rebuild.sqlite', 'Emmett SQLite projection', '#2471a3'],
  ['emmett.rebuild.postgres', 'Emmett PostgreSQL projection', '#5dade2'],
  ['naive.typeorm.sqlite', 'naive TypeORM (entity per event)', '#27ae60'],
];

async function main(): Promise<void> {
  const inputs = process.argv.slice(2).filter((arg) => arg.endsWith('.json'));
  const output = process.argv.slice(2).find((arg) => arg.endsWith('.png')) ?? join(ROOT, 'docs', 'benchmarks-peers.png');
  const measurements = (inputs.length > 0 ? inputs : [join(ROOT, 'bench', 'results', 'peers.json')]).flatMap((input) => JSON.parse(readFileSync(input, 'utf8')).measurements);
  const summaries: Summary[] = summarise(measurements);
  const sizes = [...new Set(summaries.filter((s) => s.size > 0).map((s) => s.size))].sort((a, b) => a - b);
  const label = (size: number) => (size >= 1e6 ? `${size / 1e6}M events` : `${size / 1e3}k events`);
  await chartPng('Throughput against history size (events/s, log scale; medians)', { width: 1100, height: 620, output }, {
    grid: { left: 90, right: 40, top: 110, bottom: 60 },
    xAxis: { type: 'category', data: sizes.map(label), name: 'history size', nameLocation: 'middle', nameGap: 35 },
    yAxis: { type: 'log', name: 'events/s', min: 100, logBase: 10 },
    series: SERIES.map(([id, name, color]) => ({
      name,
      type: 'line',
      symbolSize: 9,
      color,
      connectNulls: false,
      label: { show: true, position: 'top', fontSize: 10, formatter: (p: { value: number | null }) => (p.value ? p.value.toLocaleString('en-US') : '') },
      data: sizes.map((size) => summaries.find((s) => s.id === id && s.size === size)?.eventsPerSecond ?? null),
    })),
  });
  console.error(`chart: ${output}`);
}

/**
 * A chart of the bench's into a PNG file: the ECharts option (axes, series, grid) with the title, legend and white
 * background both charts have, rendered as SVG server-side and turned into a PNG by headless Chromium (Debian's,
 * never a download).
 */
export async function chartPng(title: string, size: { width: number; height: number; output: string }, option: Record<string, unknown>): Promise<void> {
  const { width, height } = size;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 17 } },
    legend: { top: 40, left: 'center', width: width - 100 },
    ...option,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<html><body style="margin:0;background:#fff">${svg}</body></html>`);
    await page.screenshot({ path: size.output, clip: { x: 0, y: 0, width, height } });
  } finally {
    await browser.close();
  }
}

// run as a script; imported (memory-chart.ts) for chartPng only
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
