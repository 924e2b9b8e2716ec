// 旗县区排名: counties ranked by execution rate, with how long their money sits and how much they still hold.
import { optionalApi } from '../api.js';
import { date, fen, percentText, t, wan, wanNumber } from '../i18n.js';
import { chart, el, notReady, section, table } from '../ui.js';

export async function countiesView(context) {
  const query = context.asOf ? `?asOf=${context.asOf}` : '';
  const id = encodeURIComponent(context.fundId);
  const [execution, dwell, league] = await Promise.all([optionalApi(`/api/funds/${id}/execution${query}`), optionalApi(`/api/funds/${id}/dwell${query}`), optionalApi(`/api/audit/funds/${id}/league${query}`).catch(() => ({ missing: true }))]);
  const title = el('h1', {}, `${t('leagueTitle')} · ${t('asOf')} ${date(context.shownDate)}`);
  if (execution.missing) return el('div', {}, title, section(null, notReady('GET /api/funds/:fundId/execution')));
  const held = new Map();
  if (!dwell.missing) {
    for (const place of dwell.held.places) {
      if (!place.countyCode || place.level === 'enterprise') continue;
      const entry = held.get(place.countyCode) ?? { amountFen: 0, fenDays: 0, oldest: 0 };
      entry.amountFen += fen(place.amount);
      entry.fenDays += place.fenDays;
      entry.oldest = Math.max(entry.oldest, place.oldestAgeDays ?? 0);
      held.set(place.countyCode, entry);
    }
  }
  const rows = [...execution.byCounty].sort((a, b) => (parseFloat(b.rate) || 0) - (parseFloat(a.rate) || 0));
  const bars = chart('league', {
    animation: false,
    grid: { left: 170, right: 60, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', inverse: true, data: rows.map((row) => row.countyName) },
    series: [{ type: 'bar', data: rows.map((row) => parseFloat(row.rate) || 0), itemStyle: { color: '#2e9c62' }, label: { show: true, position: 'right', formatter: '{c}%' } }],
  });
  return el(
    'div',
    { class: 'counties' },
    title,
    el(
      'div',
      { class: 'row' },
      section(t('executionRate'), bars),
      section(
        null,
        table(
          [
            { label: t('rank'), value: (_, index) => String(index + 1), num: true },
            { label: t('county'), value: (row) => row.countyName },
            { label: `${t('sentToCounty')}（${t('wan')}）`, value: (row) => wan(row.sentToCounty), num: true },
            { label: `${t('paid')}（${t('wan')}）`, value: (row) => wan(row.paid), num: true },
            { label: t('executionRate'), value: (row) => percentText(row.rate), num: true },
            { label: `${t('heldInCounty')}（${t('wan')}）`, value: (row) => (held.has(row.countyCode) ? wan((held.get(row.countyCode).amountFen / 100).toFixed(2)) : dwell.missing ? '—' : '0.00'), num: true },
            { label: t('meanAge'), value: (row) => { const entry = held.get(row.countyCode); return entry && entry.amountFen ? (entry.fenDays / entry.amountFen).toFixed(1) : '—'; }, num: true },
            { label: t('overdue'), value: () => (league.missing ? t('notReady') : ''), class: 'muted' },
          ],
          rows,
          { rowData: (row) => ({ county: row.countyCode }) },
        ),
        el('p', { class: 'note' }, `${t('formula')}: ${rows[0]?.formula ?? ''}`),
        league.missing ? el('p', { class: 'note' }, `${t('overdue')}: `, notReady('county league with overdue money (alerts / audit)')) : null,
      ),
    ),
  );
}
export { wanNumber };
