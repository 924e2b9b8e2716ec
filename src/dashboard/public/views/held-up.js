// 资金滞留: county × level heat map coloured by age, the largest and oldest holdings with the projects waiting, an account's detail.
import { api, optionalApi } from '../api.js';
import { date, eventType, fen, levelName, t, wan, wanNumber, wanUnit } from '../i18n.js';
import { chart, el, errorBox, mountCharts, notReady, section, table } from '../ui.js';
import { fundEvents, holderNames, holdersById } from './shared.js';

const HEAT_LEVELS = ['unallocated', 'city-finance', 'county-finance', 'department', 'park', 'pool'];
const BUCKETS = ['0-30', '31-90', '91-180', '181-365', '>365'];

export async function heldUpView(context) {
  const query = context.asOf ? `?asOf=${context.asOf}` : '';
  const id = encodeURIComponent(context.fundId);
  const [dwell, heldUp, holders] = await Promise.all([optionalApi(`/api/funds/${id}/dwell${query}`), optionalApi(`/api/funds/${id}/held-up${query}`), holdersById()]);
  const countyName = new Map([...holders.values()].filter((holder) => holder.county).map((holder) => [holder.county.code, holder.county.name]));
  const heat = dwell.missing ? section(t('heatTitle'), notReady('GET /api/funds/:fundId/dwell')) : heatSection(dwell, countyName);
  const detail = el('div', { class: 'account-detail' });
  const list = heldUp.missing ? section(t('heldUpTitle'), notReady('GET /api/funds/:fundId/held-up')) : heldUpSection(heldUp, dwell, detail, context);
  return el('div', { class: 'held-up' }, el('h1', {}, `${t('navHeldUp')} · ${t('asOf')} ${date(context.shownDate)}`), heat, list, detail);
}

function heatSection(dwell, countyName) {
  const cells = new Map();
  const countyNames = new Map();
  for (const place of dwell.held.places) {
    if (place.level === 'enterprise' || fen(place.amount) === 0) continue;
    const county = place.countyCode ?? 'city';
    countyNames.set(county, county === 'city' ? t('cityLevel') : countyName.get(county) ?? county);
    const key = `${county}|${place.level}`;
    const cell = cells.get(key) ?? { amountFen: 0, fenDays: 0 };
    cell.amountFen += fen(place.amount);
    cell.fenDays += place.fenDays;
    cells.set(key, cell);
  }
  const counties = [...countyNames.keys()].sort((a, b) => (a === 'city' ? -1 : b === 'city' ? 1 : a.localeCompare(b)));
  const levels = HEAT_LEVELS.filter((level) => [...cells.keys()].some((key) => key.endsWith(`|${level}`)));
  const data = [];
  let ageMax = 30;
  for (const [key, cell] of cells) {
    const [county, level] = key.split('|');
    const age = cell.amountFen ? Math.round((cell.fenDays / cell.amountFen) * 10) / 10 : 0;
    ageMax = Math.max(ageMax, age);
    data.push([levels.indexOf(level), counties.indexOf(county), age, cell.amountFen / 1_000_000]);
  }
  window.fundtrail.heat = data;
  return section(
    t('heatTitle'),
    chart('heat', {
      animation: false,
      grid: { left: 150, right: 90, top: 10, bottom: 40 },
      tooltip: { formatter: (item) => `${countyNames.get(counties[item.data[1]])} · ${levelName(levels[item.data[0]])}<br>${t('heatValue')} ${item.data[3].toFixed(2)} ${t('wan')}<br>${t('meanAge')} ${item.data[2]}` },
      xAxis: { type: 'category', data: levels.map(levelName), splitArea: { show: true } },
      yAxis: { type: 'category', data: counties.map((county) => countyNames.get(county)), splitArea: { show: true }, inverse: true },
      visualMap: { type: 'continuous', min: 0, max: Math.ceil(ageMax), dimension: 2, orient: 'vertical', right: 0, top: 'middle', text: [`${t('ageDays')}`, '0'], calculable: true, inRange: { color: ['#fff3c4', '#f6a23c', '#d7301f', '#7f0000'] } },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 11, formatter: (item) => item.data[3].toFixed(2) } }],
    }),
    el('p', { class: 'note' }, `${t('heatValue')}: ${t('wan')}; ${dwell.method ? (document.documentElement.lang === 'en' ? dwell.method.en : dwell.method.zh) : ''}`),
  );
}

function heldUpSection(heldUp, dwell, detail, context) {
  const rows = heldUp.holders ?? [];
  return section(
    t('heldUpTitle'),
    table(
      [
        { label: t('holder'), value: (row) => el('a', { href: '#', class: 'holder-link', dataset: { holder: row.holderId } }, row.name) },
        { label: t('level'), value: (row) => levelName(row.level) },
        { label: t('county'), value: (row) => row.countyName ?? t('cityLevel') },
        { label: `${t('held')}（${t('wan')}）`, value: (row) => wan(row.held), num: true },
        { label: t('meanAge'), value: (row) => String(row.weightedMeanAgeDays), num: true },
        { label: t('oldest'), value: (row) => `${row.oldestAgeDays} ${t('days')}（${date(row.oldestSince)}${t('since')}）` },
        { label: `${t('waiting')}（${t('wan')}）`, value: (row) => wan(row.waiting), num: true },
        { label: t('waitingProjects'), value: (row) => waitingCell(row) },
      ],
      rows,
      {
        rowClass: (row) => (row.oldestAgeDays > 180 ? 'old' : row.oldestAgeDays > 90 ? 'aging' : undefined),
        onRowClick: (row) => showAccount(row, dwell, detail, context),
        rowData: (row) => ({ holder: row.holderId }),
      },
    ),
    el('p', { class: 'note' }, `${pickText(heldUp.orderedBy)}；${pickText(heldUp.waitingMeans)}`),
  );
}

function pickText(pair) {
  if (!pair) return '';
  return document.documentElement.lang === 'en' ? pair.en : pair.zh;
}

function waitingCell(row) {
  const projects = row.waitingProjects ?? [];
  if (!projects.length) return '—';
  const shown = projects.slice(0, 3).map((project) => `${project.enterpriseName}·${project.name}（${wan(project.waiting)}）`);
  return el('span', { class: 'waiting' }, `${row.waitingProjectsCount} · `, shown.join('；'), projects.length > 3 ? ' …' : '');
}

const SOURCE_NAMES = {
  transfer: ['拨付到账', 'transfer'],
  allocation: ['指标下达', 'allocation'],
  return: ['退回/收回', 'return'],
  payout: ['兑现', 'payout'],
  reversal: ['冲正退回', 'reversal'],
};
const sourceName = (kind) => (SOURCE_NAMES[kind] ?? [kind, kind])[document.documentElement.lang === 'en' ? 1 : 0];

/** The account's FIFO lots at the date: oldest first, each with its age, source document and allocation document. */
function lotsSection(lots, context) {
  if (lots.missing) return notReady('GET /api/funds/:fundId/holders/:holderId/lots');
  const rows = lots.lots ?? [];
  return el(
    'div',
    { class: 'lots', dataset: { lotsHeld: lots.held, lotsAsOf: context.shownDate } },
    el('h3', {}, `${t('lotsTitle')}（${lots.lotsCount}）`),
    el('p', { class: 'note' }, `${pickText(lots.method)}；${pickText(lots.orderedBy)}；${t('agesCountedTo')} ${date(lots.agesCountedTo)}`),
    el(
      'div',
      { class: 'scroll' },
      table(
        [
          { label: t('arrivedOn'), value: (lot) => [date(lot.arrivedOn), lot.ageFrom !== lot.arrivedOn ? el('span', { class: 'muted' }, `（${t('ageFrom')} ${date(lot.ageFrom)}）`) : null] },
          { label: t('ageDays'), value: (lot) => el('span', { class: `age ${lot.ageDays > 180 ? 'old' : lot.ageDays > 90 ? 'aging' : ''}`.trim() }, String(lot.ageDays)), num: true },
          { label: `${t('amountIn')}（${t('wan')}）`, value: (lot) => wan(lot.amountIn), num: true },
          { label: `${t('remaining')}（${t('wan')}）`, value: (lot) => wan(lot.remaining), num: true },
          { label: t('source'), value: (lot) => [sourceName(lot.source.kind), lot.source.fromName ? ` · ${lot.source.fromName}` : ''] },
          { label: t('document'), value: (lot) => lot.source.document ?? '—' },
          { label: t('allocationDoc'), value: (lot) => lot.allocation?.document ?? '—' },
        ],
        rows,
        { rowData: (lot) => ({ lot: String(lot.lotId), remaining: lot.remaining, age: String(lot.ageDays) }), rowClass: (lot) => (lot.ageDays > 180 ? 'old' : lot.ageDays > 90 ? 'aging' : undefined) },
      ),
    ),
    el('p', { class: 'lots-total', dataset: { total: lots.held } }, `${t('lotsTotal')}: ${wanUnit(lots.held)}`, rows.length < lots.lotsCount ? ` · ${t('lotsShown')} ${rows.length}/${lots.lotsCount}` : ''),
  );
}

async function showAccount(row, dwell, detail, context) {
  detail.replaceChildren(el('p', {}, t('loading')));
  try {
    const place = dwell.missing ? undefined : dwell.held.places.find((candidate) => candidate.holderId === row.holderId);
    const query = context.asOf ? `?asOf=${context.asOf}` : '';
    const [events, names, lots] = await Promise.all([
      fundEvents(context.fundId),
      holderNames(),
      optionalApi(`/api/funds/${encodeURIComponent(context.fundId)}/holders/${encodeURIComponent(row.holderId)}/lots${query}`),
    ]);
    const movements = events
      .filter((event) => event.metadata.occurredAt <= context.shownDate)
      .filter((event) => event.data.toHolderId === row.holderId || event.data.fromHolderId === row.holderId || event.data.enterpriseHolderId === row.holderId)
      .filter((event) => ['TransferSent', 'TransferReceived', 'PayoutMade', 'FundsReturned'].includes(event.type));
    const buckets = place
      ? chart('buckets', {
          animation: false,
          grid: { left: 60, right: 20, top: 20, bottom: 30 },
          xAxis: { type: 'category', data: BUCKETS.map((bucket) => `${bucket} ${t('days')}`) },
          yAxis: { type: 'value', name: t('wan') },
          series: [{ type: 'bar', data: BUCKETS.map((bucket) => wanNumber(place.buckets[bucket])), itemStyle: { color: '#d7301f' }, label: { show: true, position: 'top', formatter: (item) => item.value.toFixed(2) } }],
        })
      : notReady('GET /api/funds/:fundId/dwell');
    detail.replaceChildren(
      section(
        `${t('accountTitle')} · ${row.name} · ${t('asOf')} ${date(context.shownDate)}`,
        el('button', { type: 'button', class: 'close', onclick: () => detail.replaceChildren() }, t('close')),
        lotsSection(lots, context),
        el('h3', {}, t('agingBuckets')),
        buckets,
        el('h3', {}, t('receipts')),
        table(
          [
            { label: t('date'), value: (event) => date(event.metadata.occurredAt) },
            { label: t('event'), value: (event) => eventType(event.type) },
            { label: t('from'), value: (event) => names.get(event.data.fromHolderId) ?? event.data.fromHolderId ?? '' },
            { label: t('to'), value: (event) => names.get(event.data.toHolderId ?? event.data.enterpriseHolderId) ?? '' },
            { label: `${t('amount')}（${t('wan')}）`, value: (event) => wan(event.data.amount), num: true },
            { label: t('document'), value: (event) => event.metadata.document ?? event.data.document ?? '' },
          ],
          movements,
        ),
      ),
    );
    mountCharts();
    detail.scrollIntoView({ block: 'start' });
  } catch (error) {
    detail.replaceChildren(errorBox(error));
  }
}
