// 项目与企业: the project registry with progress, duplicate awards highlighted, an enterprise's history.
import { api } from '../api.js';
import { date, eventType, fen, t, wan } from '../i18n.js';
import { el, errorBox, section, table } from '../ui.js';
import { fundEvents, holdersById } from './shared.js';

const STATUS = { registered: 'registered', closed: 'closed', cancelled: 'cancelled' };

/** Same enterprise (credit code) awarded more than once in one support direction and year, across funds and channels. */
export function duplicateAwards(projects, holders, funds) {
  const year = new Map(funds.map((fund) => [fund.fundId, fund.fiscalYear]));
  const groups = new Map();
  for (const project of projects) {
    if (project.status === 'cancelled') continue;
    const enterprise = holders.get(project.enterpriseHolderId);
    const key = `${enterprise?.creditCode ?? project.enterpriseHolderId}|${project.direction}|${year.get(project.fundId) ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), project]);
  }
  return [...groups.values()].filter((group) => group.length > 1);
}

export async function projectsView(context) {
  const query = context.asOf ? `?asOf=${context.asOf}` : '';
  const [projects, holders, funds, asOf] = await Promise.all([
    api('/api/projects'),
    holdersById(),
    api('/api/funds'),
    api(`/api/dashboard/funds/${encodeURIComponent(context.fundId)}/projects${query}`),
  ]);
  // as of a date only what was registered by then can be a duplicate, and an enterprise's history stops there
  const registeredBy = context.asOf ? projects.filter((project) => project.registeredOn <= context.asOf) : projects;
  const duplicates = duplicateAwards(registeredBy, holders, funds);
  const duplicateIds = new Set(duplicates.flat().map((project) => project.projectId));
  // the fund's registry as of the date: registered by then, paid / progress / status on that day (a fold of the fund's events)
  const current = new Map(projects.map((project) => [project.projectId, project]));
  const inFund = asOf.projects.map((project) => ({ ...current.get(project.projectId), ...project, fundId: context.fundId, countyName: current.get(project.projectId)?.countyName ?? project.countyCode }));
  window.fundtrail.projects = { asOf: asOf.asOf, paid: Object.fromEntries(inFund.map((project) => [project.projectId, project.paid])) };
  const asOfById = new Map(inFund.map((project) => [project.projectId, project]));
  const history = el('div', { class: 'history' });
  const filter = el('input', { type: 'search', placeholder: t('search'), class: 'filter' });
  const enterpriseName = (project) => holders.get(project.enterpriseHolderId)?.name ?? project.enterpriseHolderId;
  const columns = [
    { label: t('project'), value: (project) => project.name },
    { label: t('enterprise'), value: (project) => el('a', { href: '#', class: 'enterprise-link', onclick: (event) => { event.preventDefault(); event.stopPropagation(); showHistory(project.enterpriseHolderId, registeredBy, holders, funds, duplicateIds, history, context, asOfById); } }, enterpriseName(project)) },
    { label: t('county'), value: (project) => project.countyName },
    { label: t('direction'), value: (project) => [project.direction, duplicateIds.has(project.projectId) ? el('span', { class: 'badge dup' }, t('duplicate')) : null] },
    { label: t('batch'), value: (project) => String(project.batch), num: true },
    { label: `${t('approved')}（${t('wan')}）`, value: (project) => wan(project.approved), num: true },
    { label: `${t('paid')}（${t('wan')}）`, value: (project) => wan(project.paid), num: true },
    { label: t('progress'), value: (project) => el('span', { class: 'progress' }, el('progress', { max: 100, value: project.progressPercent ?? 0 }), ` ${project.progressPercent ?? 0}%`) },
    { label: t('status'), value: (project) => t(STATUS[project.status] ?? 'registered') },
  ];
  const render = () => {
    const needle = filter.value.trim();
    const rows = needle ? inFund.filter((project) => `${project.name}${enterpriseName(project)}${project.countyName}${project.direction}`.includes(needle)) : inFund;
    return table(columns, rows, { rowClass: (project) => [duplicateIds.has(project.projectId) ? 'duplicate' : '', project.status === 'cancelled' ? 'cancelled' : ''].join(' ').trim() || undefined, rowData: (project) => ({ project: project.projectId }) });
  };
  const tableSlot = el('div', { class: 'scroll' }, render());
  filter.addEventListener('input', () => tableSlot.replaceChildren(render()));
  const duplicatesSection = section(
    t('duplicatesTitle'),
    el('p', { class: 'note', dataset: { duplicatesAsOf: context.asOf ?? '' } }, `${t('duplicatesSource')}${context.asOf ? `${t('duplicatesAsOf')} ${date(context.asOf)}` : ''}`),
    table(
      [
        { label: t('enterprise'), value: (group) => enterpriseName(group[0]) },
        { label: t('creditCode'), value: (group) => holders.get(group[0].enterpriseHolderId)?.creditCode ?? '' },
        { label: t('direction'), value: (group) => group[0].direction },
        { label: t('project'), value: (group) => group.map((project) => `${project.name}（${wan(project.approved)}${t('wan')}）`).join('；') },
        { label: `${t('approved')}（${t('wan')}）`, value: (group) => wan(String(group.reduce((sum, project) => sum + fen(project.approved), 0) / 100)), num: true },
      ],
      duplicates,
      { rowClass: () => 'duplicate', rowData: (group) => ({ duplicate: group[0].enterpriseHolderId }) },
    ),
  );
  return el(
    'div',
    { class: 'projects' },
    el('h1', {}, `${t('projectsTitle')} · ${t('asOf')} ${date(context.shownDate)}`),
    duplicatesSection,
    section(`${t('projectsTitle')}（${inFund.length}）`, el('p', { class: 'note', dataset: { projectsAsOf: asOf.asOf } }, `${t('projectsAsOfNote')} ${date(asOf.asOf)}`), filter, tableSlot),
    history,
  );
}

async function showHistory(enterpriseHolderId, projects, holders, funds, duplicateIds, slot, context, asOfById) {
  try {
    const enterprise = holders.get(enterpriseHolderId);
    // as of a date: paid, progress and status of the fund's projects on that day (the registry's replay)
    const own = projects.filter((project) => project.enterpriseHolderId === enterpriseHolderId).map((project) => ({ ...project, ...(context.asOf ? asOfById.get(project.projectId) ?? {} : {}) }));
    const fundName = new Map(funds.map((fund) => [fund.fundId, fund.name]));
    const payouts = [];
    for (const fundId of new Set(own.map((project) => project.fundId))) {
      const events = await fundEvents(fundId);
      for (const event of events) {
        if (event.type !== 'PayoutMade' || event.data.enterpriseHolderId !== enterpriseHolderId) continue;
        if (context.asOf && event.metadata.occurredAt > context.asOf) continue;
        payouts.push({ ...event, fundId });
      }
    }
    slot.replaceChildren(
      section(
        `${t('historyTitle')} · ${enterprise?.name ?? enterpriseHolderId}`,
        el('p', {}, `${t('creditCode')}: ${enterprise?.creditCode ?? ''} · ${enterprise?.county?.name ?? ''}`),
        table(
          [
            { label: t('registeredOn'), value: (project) => date(project.registeredOn) },
            { label: t('fund'), value: (project) => fundName.get(project.fundId) ?? project.fundId },
            { label: t('project'), value: (project) => project.name },
            { label: t('direction'), value: (project) => [project.direction, duplicateIds.has(project.projectId) ? el('span', { class: 'badge dup' }, t('duplicate')) : null] },
            { label: `${t('approved')}（${t('wan')}）`, value: (project) => wan(project.approved), num: true },
            { label: `${t('paid')}（${t('wan')}）`, value: (project) => wan(project.paid), num: true },
            { label: t('status'), value: (project) => t(STATUS[project.status] ?? 'registered') },
          ],
          own,
          { rowClass: (project) => (duplicateIds.has(project.projectId) ? 'duplicate' : undefined) },
        ),
        table(
          [
            { label: t('date'), value: (event) => date(event.metadata.occurredAt) },
            { label: t('event'), value: (event) => eventType(event.type) },
            { label: t('document'), value: (event) => event.metadata.document ?? event.data.document ?? '' },
            { label: t('direction'), value: (event) => event.data.direction },
            { label: `${t('amount')}（${t('wan')}）`, value: (event) => wan(event.data.amount), num: true },
          ],
          payouts,
        ),
      ),
    );
    slot.scrollIntoView({ block: 'start' });
  } catch (error) {
    slot.replaceChildren(errorBox(error));
  }
}
