// 预警: the alerts inbox, live over server-sent events; filter; acknowledge with a note; deferral requests and approvals.
import { api, optionalApi, token } from '../api.js';
import { date, levelName, pick, t, wan } from '../i18n.js';
import { el, errorBox, notReady, section, table } from '../ui.js';

const STATUSES = ['open', 'acknowledged', 'resolved'];
const SEVERITIES = ['warning', 'breach', 'critical'];
const SEVERITY_NAMES = { warning: ['预警', 'warning'], breach: ['超期', 'overdue'], critical: ['严重超期（升级）', 'escalated'] };
const severityName = (severity) => (SEVERITY_NAMES[severity] ?? [severity, severity])[document.documentElement.lang === 'en' ? 1 : 0];

/**
 * Server-sent events read with fetch (EventSource cannot send the Authorization header).
 * Calls onEvent({ type, data }) per message; returns a function that stops reading.
 */
export function followStream(path, onEvent, onOpen) {
  const controller = new AbortController();
  (async () => {
    const headers = { Accept: 'text/event-stream' };
    if (token()) headers.Authorization = `Bearer ${token()}`;
    const response = await fetch(path, { headers, signal: controller.signal });
    if (!response.ok || !response.body) return;
    onOpen?.();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = { type: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) message.type = line.slice(6).trim();
          else if (line.startsWith('data:')) message.data += line.slice(5).trim();
        }
        if (message.data) {
          try {
            onEvent({ type: message.type, data: JSON.parse(message.data) });
          } catch {
            // a malformed message is skipped, the stream goes on
          }
        }
      }
    }
  })().catch(() => {});
  return () => controller.abort();
}

/** The columns the live inbox and the as-of list share. */
function alertColumns() {
  return [
    { label: t('raisedOn'), value: (alert) => date(alert.crossedOn) },
    { label: t('severity'), value: (alert) => el('span', { class: `badge sev-${alert.severity}` }, pick(alert.severityName) || severityName(alert.severity)) },
    { label: t('holder'), value: (alert) => `${alert.countyName ? `${alert.countyName} · ` : ''}${alert.holderName}` },
    { label: t('level'), value: (alert) => pick(alert.levelName) || levelName(alert.level) },
    { label: `${t('amount')}（${t('wan')}）`, value: (alert) => wan(alert.amount), num: true },
    { label: t('message'), value: (alert) => `${alert.projectName ? `${alert.projectName} · ` : ''}${t('since')} ${date(alert.since)} · ${alert.thresholdDays}/${alert.limitDays} ${t('days')}` },
  ];
}

/** Whether an alert passes the inbox's filters; `statusOf` gives its status on the day shown. */
function shown(alert, filters, statusOf) {
  return (!filters.status || statusOf(alert) === filters.status) && (!filters.severity || alert.severity === filters.severity) && (!filters.county || alert.countyCode === filters.county);
}

export async function alertsView(context) {
  if (context.asOf) return alertsAsOfView(context);
  const fundId = context.fundId;
  const [alerts, deferrals] = await Promise.all([optionalApi(`/api/alerts?fundId=${encodeURIComponent(fundId)}`), optionalApi(`/api/deferrals?fundId=${encodeURIComponent(fundId)}`)]);
  const title = el('h1', {}, `${t('alertsTitle')} · ${t('latest')}（${date(context.shownDate)}）`);
  if (alerts.missing) {
    return el('div', { class: 'alerts' }, title, section(t('alertsTitle'), notReady('GET /api/alerts, /api/alerts/stream (SSE)')), section(t('deferralsTitle'), notReady('GET/POST /api/deferrals')));
  }
  const byId = new Map(alerts.map((alert) => [alert.alertId, alert]));
  // a role that may not acknowledge (county staff, auditors) is not offered a form that would only be refused
  const me = await api('/api/auth/me').catch(() => ({ permissions: [] }));
  const canAcknowledge = (me.permissions ?? []).includes('alerts:acknowledge');
  const filters = { status: 'open', severity: '', county: '' };
  const liveBadge = el('span', { class: 'live off', dataset: { live: 'connecting' } }, `● ${t('live')}`);
  const listSlot = el('div', { class: 'scroll tall' });
  const select = (name, options) =>
    el('select', { name, onchange: (event) => { filters[name] = event.target.value; draw(); } }, el('option', { value: '' }, t('all')), options.map(([value, label]) => el('option', { value, selected: filters[name] === value }, label)));
  const counties = [...new Map(alerts.filter((alert) => alert.countyCode).map((alert) => [alert.countyCode, alert.countyName])).entries()];
  const draw = () => {
    const rows = [...byId.values()]
      .filter((alert) => shown(alert, filters, (entry) => entry.status))
      .sort((a, b) => (b.crossedOn ?? '').localeCompare(a.crossedOn ?? ''));
    listSlot.replaceChildren(
      table(
        [
          ...alertColumns(),
          { label: t('status'), value: (alert) => t(alert.status) },
          { label: t('acknowledge'), value: (alert) => (canAcknowledge || alert.status !== 'open' ? ackCell(alert, byId, draw) : '—') },
        ],
        rows,
        { rowData: (alert) => ({ alert: alert.alertId, status: alert.status }), rowClass: (alert) => `sev-${alert.severity}` },
      ),
    );
  };
  draw();
  const stop = followStream(
    `/api/alerts/stream?fundId=${encodeURIComponent(fundId)}`,
    ({ data }) => {
      if (!data?.alertId) return;
      byId.set(data.alertId, data);
      draw();
      listSlot.querySelector(`[data-alert="${CSS.escape(data.alertId)}"]`)?.classList.add('fresh');
    },
    () => {
      liveBadge.className = 'live on';
      liveBadge.dataset.live = 'on';
    },
  );
  context.onCleanup(stop);
  return el(
    'div',
    { class: 'alerts' },
    title,
    section(
      null,
      el('div', { class: 'filters' }, liveBadge, el('label', {}, t('status'), select('status', STATUSES.map((status) => [status, t(status)]))), el('label', {}, t('severity'), select('severity', SEVERITIES.map((severity) => [severity, severityName(severity)]))), el('label', {}, t('county'), select('county', counties))),
      listSlot,
    ),
    deferralsSection(deferrals, context),
  );
}

/**
 * The slider is on a past day: the alerts that would have been raised by then (`GET /api/alerts/as-of/:fundId?date=`,
 * the rules replayed over the events up to that day), read-only. Open on that day unless resolved by it.
 */
async function alertsAsOfView(context) {
  const fundId = context.fundId;
  const [answer, deferrals] = await Promise.all([
    optionalApi(`/api/alerts/as-of/${encodeURIComponent(fundId)}?date=${context.asOf}`),
    optionalApi(`/api/deferrals?fundId=${encodeURIComponent(fundId)}`),
  ]);
  const title = el('h1', {}, `${t('alertsTitle')} · ${t('timeTravel')} · ${t('asOf')} ${date(context.asOf)}`);
  if (answer.missing) return el('div', { class: 'alerts' }, title, section(t('alertsTitle'), notReady('GET /api/alerts/as-of/:fundId?date=')));
  const statusOn = (alert) => (alert.resolvedOn && alert.resolvedOn <= context.asOf ? 'resolved' : 'open');
  const alerts = answer.alerts ?? [];
  window.fundtrail.alertsAsOf = { date: answer.asOf, alertIds: alerts.map((alert) => alert.alertId) };
  const filters = { status: '', severity: '', county: '' };
  const listSlot = el('div', { class: 'scroll tall' });
  const select = (name, options) =>
    el('select', { name, onchange: (event) => { filters[name] = event.target.value; draw(); } }, el('option', { value: '' }, t('all')), options.map(([value, label]) => el('option', { value }, label)));
  const counties = [...new Map(alerts.filter((alert) => alert.countyCode).map((alert) => [alert.countyCode, alert.countyName])).entries()];
  const draw = () => {
    const rows = alerts
      .filter((alert) => shown(alert, filters, statusOn))
      .sort((a, b) => (b.crossedOn ?? '').localeCompare(a.crossedOn ?? '') || a.alertId.localeCompare(b.alertId));
    listSlot.replaceChildren(
      table(
        [
          ...alertColumns(),
          { label: t('status'), value: (alert) => (statusOn(alert) === 'resolved' ? `${t('resolved')}（${t('resolvedBy')} ${date(alert.resolvedOn)}）` : t('open')) },
        ],
        rows,
        { rowData: (alert) => ({ alert: alert.alertId, status: statusOn(alert), crossedOn: alert.crossedOn }), rowClass: (alert) => `sev-${alert.severity}` },
      ),
    );
  };
  draw();
  return el(
    'div',
    { class: 'alerts', dataset: { alertsAsOf: answer.asOf } },
    title,
    section(
      null,
      el('p', { class: 'note as-of-note' }, `${t('alertsAsOfNote')}（${alerts.length}）`),
      el('div', { class: 'filters' }, el('label', {}, t('status'), select('status', [['open', t('open')], ['resolved', t('resolved')]])), el('label', {}, t('severity'), select('severity', SEVERITIES.map((severity) => [severity, severityName(severity)]))), el('label', {}, t('county'), select('county', counties))),
      listSlot,
    ),
    deferralsSection(deferrals, context),
  );
}

function ackCell(alert, byId, draw) {
  if (alert.status !== 'open') return (alert.acknowledgements ?? []).map((ack) => `${ack.by}: ${ack.note}`).join('；');
  const note = el('input', { name: 'note', placeholder: t('ackNote'), class: 'ack-note' });
  const error = el('span', { class: 'error' });
  return el(
    'form',
    {
      class: 'ack',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const updated = await api(`/api/alerts/${encodeURIComponent(alert.alertId)}/acknowledgements`, { method: 'POST', body: { note: note.value } });
          byId.set(updated.alertId, updated);
          draw();
        } catch (failure) {
          error.textContent = failure.message;
        }
      },
    },
    note,
    el('button', { type: 'submit' }, t('acknowledge')),
    error,
  );
}

function deferralsSection(deferrals, context) {
  if (deferrals.missing) return section(t('deferralsTitle'), notReady('GET/POST /api/deferrals'));
  const slot = el('div');
  const error = el('p', { class: 'error' });
  const decide = async (deferral, decision, body) => {
    try {
      await api(`/api/deferrals/${encodeURIComponent(deferral.deferralId)}/decisions`, { method: 'POST', body: { decision, body, note: '' } });
      context.rerender();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  slot.append(
    table(
      [
        { label: t('holder'), value: (deferral) => deferral.target?.holderId ?? deferral.target?.projectId ?? '' },
        { label: t('reason'), value: (deferral) => deferral.reason },
        { label: t('newDate'), value: (deferral) => date(deferral.untilDate) },
        { label: t('status'), value: (deferral) => deferral.status },
        { label: t('approvals'), value: (deferral) => ['city-finance', 'department'].map((body) => `${body === 'city-finance' ? t('cityFinance') : levelName('department')}: ${deferral.approvals?.[body] ? '✓' : deferral.rejection?.body === body ? '✗' : '…'}`).join(' · ') },
        {
          label: '',
          value: (deferral) =>
            deferral.status === 'pending'
              ? (deferral.approvalsNeeded ?? []).map((body) => [
                  el('button', { type: 'button', onclick: () => decide(deferral, 'approve', body) }, `${t('approve')}（${body === 'city-finance' ? t('cityFinance') : levelName('department')}）`),
                  el('button', { type: 'button', class: 'secondary', onclick: () => decide(deferral, 'reject', body) }, t('reject')),
                ])
              : '',
        },
      ],
      deferrals,
      { rowData: (deferral) => ({ deferral: deferral.deferralId }) },
    ),
  );
  const holder = el('input', { name: 'holderId', placeholder: 'holderId', required: true });
  const reason = el('input', { name: 'reason', placeholder: t('reason'), required: true });
  const until = el('input', { name: 'untilDate', type: 'date', required: true });
  const form = el(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api('/api/deferrals', { method: 'POST', body: { fundId: context.fundId, holderId: holder.value, reason: reason.value, untilDate: until.value } });
          context.rerender();
        } catch (failure) {
          error.textContent = failure.message;
        }
      },
    },
    holder,
    reason,
    until,
    el('button', { type: 'submit' }, t('requestDeferral')),
  );
  return section(t('deferralsTitle'), slot, form, error);
}
export { errorBox };
