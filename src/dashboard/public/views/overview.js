// 资金总览: the Sankey of where the money went, the headline figures, execution and arrival rates with formulas.
import { api, optionalApi } from '../api.js';
import { date, fen, lang, levelName, monthLabel, percentText, pick, t, wan, wanNumber, wanUnit } from '../i18n.js';
import { chart, el, kpi, notReady, section, table } from '../ui.js';

const NODE_LABELS = {
  budget: 'budget',
  unallocated: 'unallocated',
  city: 'allocated',
  county: 'atCounty',
  office: 'atOffices',
  enterprise: 'paidToEnterprises',
  pool: 'pool',
  transit: 'inTransit',
};
const NODE_COLORS = { budget: '#3b6fb6', unallocated: '#b7b7b7', city: '#5b8ff9', county: '#f6a23c', office: '#e8684a', enterprise: '#2e9c62', pool: '#8c8c8c', transit: '#9a6fd6' };
const HELD_LABEL = { unallocated: 'stillUnallocated', city: 'cityFinance', county: 'atCounty', office: 'atOffices' };

export function nodeName(id) {
  if (id.startsWith('held:')) {
    const group = id.slice(5);
    return group === 'unallocated' ? t('stillUnallocated') : `${t(HELD_LABEL[group])} · ${t('heldAt')}`;
  }
  return t(NODE_LABELS[id]);
}

/**
 * The fold's links reshaped for the picture: the appropriation (budget → unallocated) and the allocations
 * (unallocated → city) become budget → allocated and budget → unallocated, so the first split reads as the
 * evaluation report does: budget = allocated + never allocated.
 */
export function sankeyLinks(links) {
  const result = links.map((link) => ({ ...link, amountFen: fen(link.amount) }));
  const allocations = result.find((link) => link.source === 'unallocated' && link.target === 'city');
  const appropriation = result.find((link) => link.source === 'budget' && link.target === 'unallocated');
  if (allocations && appropriation) {
    appropriation.amountFen -= allocations.amountFen;
    allocations.source = 'budget';
  }
  return result.filter((link) => link.amountFen > 0);
}

const toYuan = (amountFen) => `${Math.trunc(amountFen / 100)}.${String(Math.abs(amountFen) % 100).padStart(2, '0')}`;

export async function overviewView(context) {
  const query = context.asOf ? `?asOf=${context.asOf}` : '';
  const id = encodeURIComponent(context.fundId);
  const [view, execution] = await Promise.all([api(`/api/dashboard/funds/${id}/overview${query}`), optionalApi(`/api/funds/${id}/execution${query}`).catch((error) => ({ failed: error }))]);
  const summary = view.summary;
  const links = sankeyLinks(view.links);
  const nodeIds = [...new Set(links.flatMap((link) => [link.source, link.target]))];
  window.fundtrail.sankey = {
    asOf: view.asOf,
    links: links.map((link) => ({ source: link.source, target: link.target, amount: toYuan(link.amountFen) })),
    totals: Object.fromEntries(nodeIds.map((node) => {
      const into = links.filter((link) => link.target === node).reduce((sum, link) => sum + link.amountFen, 0);
      const out = links.filter((link) => link.source === node).reduce((sum, link) => sum + link.amountFen, 0);
      return [node, toYuan(Math.max(into, out))];
    })),
  };

  const sankey = chart('sankey', {
    animation: false,
    tooltip: { trigger: 'item', formatter: (item) => (item.dataType === 'edge' ? `${nodeName(item.data.source)} → ${nodeName(item.data.target)}<br>${item.data.value.toFixed(2)} ${t('wan')}` : `${item.name.split('\n')[0]}<br>${item.value.toFixed(2)} ${t('wan')}`) },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: 150,
        top: 10,
        bottom: 10,
        nodeWidth: 14,
        nodeGap: 12,
        layoutIterations: 32,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', opacity: 0.35 },
        label: { fontSize: 12, formatter: (item) => `${nodeName(item.data.id)}\n${Number(item.value).toFixed(2)} ${t('wan')}` },
        data: nodeIds.map((node) => ({ id: node, name: node, itemStyle: { color: NODE_COLORS[node.replace('held:', '')] ?? '#999' } })),
        links: links.map((link) => ({ source: link.source, target: link.target, value: link.amountFen / 1_000_000 })),
      },
    ],
  });

  // groupTotals are integer fen (keys are group names, so the API's …Fen → 元 renaming does not apply)
  const countyHeld = toYuan(view.groupTotals.county);
  const officesHeld = toYuan(view.groupTotals.office);
  const kpis = el(
    'div',
    { class: 'kpis' },
    kpi(t('budget'), wanUnit(summary.budget), null, 'budget'),
    kpi(t('allocated'), wanUnit(summary.allocated), null, 'allocated'),
    kpi(t('unallocated'), wanUnit(summary.unallocated), null, 'unallocated'),
    kpi(t('inTransit'), wanUnit(summary.inTransit), `${summary.transfersInTransit}`, 'inTransit'),
    kpi(t('atCounty'), wanUnit(countyHeld), t('heldAt'), 'county'),
    kpi(t('atOffices'), wanUnit(officesHeld), t('heldAt'), 'offices'),
    kpi(t('paidToEnterprises'), wanUnit(summary.paidToEnterprises), null, 'paid'),
  );

  const rates = ratesSection(view, execution);
  const allocations = allocationsSection(summary, execution);
  const monthly = monthlySection(execution);
  const upward = view.upward.length
    ? el('p', { class: 'note' }, `${t('upward')}: `, view.upward.map((link) => `${nodeName(link.source)} → ${nodeName(link.target)} ${wanUnit(link.amount)}`).join('；'))
    : null;
  return el(
    'div',
    { class: 'overview' },
    el('h1', {}, `${lang() === 'en' && context.fund?.nameEn ? context.fund.nameEn : summary.name} · ${t('asOf')} ${date(view.asOf)}`),
    kpis,
    el('div', { class: 'row' }, section(t('sankeyTitle'), sankey, el('p', { class: 'note' }, t('sankeyNote')), upward), rates),
    el('div', { class: 'row' }, allocations, monthly),
  );
}

function ratesSection(view, execution) {
  const own = Object.fromEntries(view.rates.map((rate) => [rate.key, rate]));
  const rows = [];
  if (execution && !execution.missing && !execution.failed) {
    for (const base of ['budget', 'allocated']) {
      const rate = execution.rates?.[base];
      if (rate) rows.push({ name: `${t('executionRate')}（${base === 'budget' ? t('budget') : t('allocated')}）`, rate: rate.rate, formula: `${pick(execution.numerator)} ${wanUnit(execution.numerator.amount)} ÷ ${base === 'budget' ? t('budget') : t('allocated')} ${wanUnit(rate.base)}`, code: rate.formula, id: `execution-${base}` });
    }
    for (const level of execution.arrivalByLevel ?? []) {
      rows.push({ name: `${t('arrivalRate')} · ${pick(level) || levelName(level.level)}`, rate: level.rate, formula: `${t('received')} ${wanUnit(level.received)} ÷ ${t('planned')} ${wanUnit(level.planned)}`, code: level.formula, id: `arrival-${level.level}` });
    }
  } else {
    const label = { 'execution-budget': [t('executionRate'), t('paidToEnterprises'), t('budget'), 'paidToEnterprises ÷ budget'], 'execution-allocated': [t('executionRate'), t('paidToEnterprises'), t('allocated'), 'paidToEnterprises ÷ allocated'], 'arrival-county': [`${t('arrivalRate')} · ${levelName('county-finance')}`, t('received'), t('planned'), 'received by county finance ÷ (received + in transit to them)'], 'arrival-enterprise': [`${t('arrivalRate')} · ${levelName('enterprise')}`, t('paid'), t('approved'), 'paid on projects ÷ approved for registered projects'] };
    for (const [key, rate] of Object.entries(own)) {
      const [name, numerator, base, code] = label[key];
      rows.push({ name, rate: rate.percent, formula: `${numerator} ${wanUnit(rate.numerator)} ÷ ${base} ${wanUnit(rate.base)}`, code, id: key });
    }
  }
  return section(
    t('ratesTitle'),
    el(
      'div',
      { class: 'rates' },
      rows.map((row) => el('div', { class: 'rate', dataset: { rate: row.id } }, el('div', { class: 'rate-name' }, row.name), el('div', { class: 'rate-value' }, percentText(row.rate)), el('div', { class: 'rate-formula' }, `${t('formula')}: ${row.formula}`), el('code', {}, row.code))),
    ),
  );
}

function allocationsSection(summary, execution) {
  if (execution && !execution.missing && !execution.failed && execution.byAllocation) {
    return section(
      t('allocationsTitle'),
      table(
        [
          { label: t('document'), value: (row) => row.document },
          { label: t('channel'), value: (row) => row.channel },
          { label: t('issuedOn'), value: (row) => date(row.issuedOn) },
          { label: `${t('allocated')}（${t('wan')}）`, value: (row) => wan(row.allocated), num: true },
          { label: `${t('paid')}（${t('wan')}）`, value: (row) => wan(row.paid), num: true },
          { label: t('executionRate'), value: (row) => percentText(row.rate), num: true },
        ],
        execution.byAllocation,
        { rowClass: (row) => (row.reversed ? 'reversed' : undefined) },
      ),
    );
  }
  return section(
    t('allocationsTitle'),
    table(
      [
        { label: t('document'), value: (row) => row.document },
        { label: t('direction'), value: (row) => row.direction },
        { label: `${t('allocated')}（${t('wan')}）`, value: (row) => wan(row.amount), num: true },
      ],
      summary.allocations,
    ),
  );
}

function monthlySection(execution) {
  if (!execution || execution.missing) return section(t('monthlyTitle'), notReady('GET /api/funds/:fundId/execution'));
  if (execution.failed) return section(t('monthlyTitle'), el('p', { class: 'error' }, execution.failed.message));
  const months = execution.monthly ?? [];
  return section(
    t('monthlyTitle'),
    chart('monthly', {
      animation: false,
      grid: { left: 60, right: 50, top: 30, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { data: [t('paid'), t('executionRate')], top: 0 },
      xAxis: { type: 'category', data: months.map((month) => monthLabel(month.month)) },
      yAxis: [
        { type: 'value', name: t('wan') },
        { type: 'value', name: '%', max: 100 },
      ],
      series: [
        { name: t('paid'), type: 'bar', data: months.map((month) => wanNumber(month.paid)), itemStyle: { color: '#2e9c62' } },
        { name: t('executionRate'), type: 'line', yAxisIndex: 1, data: months.map((month) => parseFloat(month.cumulativeRate)), itemStyle: { color: '#3b6fb6' } },
      ],
    }),
    el('p', { class: 'note' }, months[0]?.formula ?? ''),
  );
}
