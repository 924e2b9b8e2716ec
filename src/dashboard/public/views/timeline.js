// 时间轴: the fund's events up to the as-of date, each with its business date and document number (文号).
import { date, eventType, fen, t, wan } from '../i18n.js';
import { chart, el, section, table } from '../ui.js';
import { fundEvents, holderNames } from './shared.js';

const SHOWN_TYPES = ['FundAppropriated', 'AllocationIssued', 'ProjectRegistered', 'TransferSent', 'TransferReceived', 'PayoutMade', 'FundsReturned', 'EventReversed', 'ProjectProgressReported', 'ProjectClosed', 'ProjectCancelled'];
const ROWS_MAX = 400;

export async function timelineView(context) {
  const [events, names] = await Promise.all([fundEvents(context.fundId), holderNames()]);
  const upTo = events.filter((event) => event.metadata.occurredAt <= context.shownDate);
  const projectNames = new Map(events.filter((event) => event.type === 'ProjectRegistered').map((event) => [event.data.projectId, event.data.name]));
  const types = SHOWN_TYPES.filter((type) => events.some((event) => event.type === type));
  const points = events.map((event) => ({
    value: [event.metadata.occurredAt, eventType(event.type), fen(event.data.amount ?? event.data.budget ?? event.data.approved ?? 0) / 1_000_000],
    itemStyle: { opacity: event.metadata.occurredAt <= context.shownDate ? 0.85 : 0.15 },
  }));
  const timeline = chart('timeline', {
    animation: false,
    grid: { left: 110, right: 30, top: 10, bottom: 30 },
    tooltip: { formatter: (item) => `${date(item.value[0])} · ${item.value[1]}<br>${item.value[2].toFixed(2)} ${t('wan')}` },
    xAxis: { type: 'time' },
    yAxis: { type: 'category', data: types.map(eventType) },
    series: [
      {
        type: 'scatter',
        data: points,
        symbolSize: (value) => Math.max(6, Math.min(28, Math.sqrt(value[2]) * 3)),
        itemStyle: { color: '#3b6fb6' },
        markLine: { symbol: 'none', silent: true, lineStyle: { color: '#d7301f', width: 2 }, label: { formatter: date(context.shownDate) }, data: [{ xAxis: context.shownDate }] },
      },
    ],
  });
  const rows = upTo.slice(-ROWS_MAX).reverse();
  return el(
    'div',
    { class: 'timeline' },
    el('h1', {}, `${t('timelineTitle')} · ${t('asOf')} ${date(context.shownDate)}`),
    section(null, timeline),
    section(
      `${upTo.length} / ${events.length} ${t('eventsShown')}`,
      table(
        [
          { label: t('date'), value: (event) => date(event.metadata.occurredAt) },
          { label: t('event'), value: (event) => eventType(event.type) },
          { label: t('document'), value: (event) => event.metadata.document ?? event.data.document ?? '', class: 'doc' },
          { label: t('from'), value: (event) => names.get(event.data.fromHolderId) ?? '' },
          { label: t('to'), value: (event) => names.get(event.data.toHolderId ?? event.data.enterpriseHolderId) ?? '' },
          { label: `${t('amount')}（${t('wan')}）`, value: (event) => (event.data.amount ?? event.data.budget ?? event.data.approved ? wan(event.data.amount ?? event.data.budget ?? event.data.approved) : ''), num: true },
          { label: t('note'), value: (event) => event.data.reason ?? event.data.note ?? projectNames.get(event.data.projectId) ?? event.data.name ?? event.data.direction ?? '' },
        ],
        rows,
        { rowClass: (event) => (event.type === 'EventReversed' ? 'reversal' : undefined), rowData: (event) => ({ type: event.type }) },
      ),
    ),
  );
}
