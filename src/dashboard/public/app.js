// The dashboard shell: fund picker, the as-of date slider shared by every view, language switch, sign-in, routing.
import { api, setToken, token, whenUnauthenticated } from './api.js';
import { date, lang, setLang, t } from './i18n.js';
import { disposeCharts, el, errorBox, mountCharts } from './ui.js';
import { overviewView } from './views/overview.js';
import { heldUpView } from './views/held-up.js';
import { timelineView } from './views/timeline.js';
import { alertsView } from './views/alerts.js';
import { projectsView } from './views/projects.js';
import { countiesView } from './views/counties.js';

const VIEWS = [
  { id: 'overview', label: 'navOverview', render: overviewView },
  { id: 'held-up', label: 'navHeldUp', render: heldUpView },
  { id: 'timeline', label: 'navTimeline', render: timelineView },
  { id: 'alerts', label: 'navAlerts', render: alertsView },
  { id: 'projects', label: 'navProjects', render: projectsView },
  { id: 'counties', label: 'navCounties', render: countiesView },
];

const DAY_MS = 86_400_000;
const state = { funds: [], fundId: undefined, first: undefined, last: undefined, asOf: undefined, view: 'overview', renderSeq: 0, cleanup: [] };

const $ = (id) => document.getElementById(id);
const dayNumber = (iso) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);

function readHash() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query);
  return { view: VIEWS.some((view) => view.id === path) ? path : 'overview', fund: params.get('fund') ?? undefined, asOf: params.get('asOf') ?? undefined };
}

function hashParams() {
  const params = new URLSearchParams();
  if (state.fundId) params.set('fund', state.fundId);
  if (state.asOf) params.set('asOf', state.asOf);
  return params;
}

function writeHash() {
  const next = `#/${state.view}?${hashParams()}`;
  if (location.hash !== next) history.replaceState(null, '', next);
}

function chrome() {
  document.title = `Fundtrail — ${t('title')}`;
  $('brand').textContent = t('product');
  $('fund-label').textContent = t('fund');
  $('asof-label').textContent = t('asOf');
  $('asof-latest').textContent = t('latest');
  $('lang').textContent = t('language');
  $('tabs').replaceChildren(
    ...VIEWS.map((view) => el('a', { href: `#/${view.id}?${hashParams()}`, class: view.id === state.view ? 'active' : undefined, dataset: { view: view.id } }, t(view.label))),
    el('a', { href: '/public/', class: 'public-link', target: '_blank' }, t('navPublic')),
  );
  const select = $('fund');
  select.replaceChildren(...state.funds.map((fund) => el('option', { value: fund.fundId, selected: fund.fundId === state.fundId }, lang() === 'en' && fund.nameEn ? fund.nameEn : fund.name)));
  updateSliderText();
}

function updateSliderText() {
  const slider = $('asof');
  const shown = state.asOf ?? state.last;
  $('asof-text').textContent = shown ? date(shown) : '';
  // which day every view is at: a past day is marked in the header, so nobody mistakes it for today's figures
  const past = Boolean(state.asOf);
  document.body.classList.toggle('time-travel', past);
  const badge = $('asof-badge');
  badge.hidden = !past;
  badge.textContent = past ? `${t('timeTravel')} · ${t('asOf')} ${date(state.asOf)} · ${t('timeTravelNote')}` : '';
  $('asof-latest').disabled = !past;
  if (state.first && state.last) {
    slider.min = '0';
    slider.max = String(dayNumber(state.last) - dayNumber(state.first));
    slider.value = String(dayNumber(shown) - dayNumber(state.first));
  }
}

async function loadFundRange() {
  const overview = await api(`/api/dashboard/funds/${encodeURIComponent(state.fundId)}/overview`);
  state.first = overview.firstDate;
  state.last = overview.lastDate;
  if (state.asOf && (state.asOf < state.first || state.asOf > state.last)) state.asOf = undefined;
}

async function render() {
  const seq = ++state.renderSeq;
  document.body.dataset.state = 'loading';
  chrome();
  writeHash();
  for (const cleanup of state.cleanup.splice(0)) cleanup();
  const main = $('view');
  const view = VIEWS.find((candidate) => candidate.id === state.view) ?? VIEWS[0];
  let content;
  try {
    if (!state.fundId) throw new Error(t('noData'));
    content = await view.render({
      fundId: state.fundId,
      fund: state.funds.find((fund) => fund.fundId === state.fundId),
      asOf: state.asOf,
      shownDate: state.asOf ?? state.last,
      first: state.first,
      last: state.last,
      onCleanup: (cleanup) => state.cleanup.push(cleanup),
      rerender: () => render(),
    });
  } catch (error) {
    if (seq !== state.renderSeq) return;
    if (error.status === 401) return;
    content = errorBox(error);
  }
  if (seq !== state.renderSeq) return;
  disposeCharts();
  main.replaceChildren(content);
  main.dataset.view = view.id;
  main.dataset.asOf = state.asOf ?? state.last ?? '';
  mountCharts();
  document.body.dataset.state = 'ready';
}

function showLogin(message) {
  const overlay = $('overlay');
  const error = el('p', { class: 'error' }, message ?? '');
  const username = el('input', { name: 'username', autocomplete: 'username', required: true });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = el(
    'form',
    {
      class: 'login',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const answer = await api('/api/auth/login', { method: 'POST', body: { username: username.value, password: password.value }, quiet401: true });
          setToken(answer.token);
          overlay.hidden = true;
          await start();
        } catch (failure) {
          error.textContent = failure.status === 401 ? t('loginFailed') : failure.message;
        }
      },
    },
    el('h2', {}, t('loginNeeded')),
    el('label', {}, t('username'), username),
    el('label', {}, t('password'), password),
    el('button', { type: 'submit' }, t('login')),
    error,
    el('p', {}, el('a', { href: '/public/' }, t('navPublic'))),
  );
  overlay.replaceChildren(form);
  overlay.hidden = false;
  document.body.dataset.state = 'login';
}

async function who() {
  const slot = $('who');
  if (!token()) return slot.replaceChildren();
  try {
    const me = await api('/api/auth/me', { quiet401: true });
    slot.replaceChildren(
      el('span', {}, me.displayName ?? me.username ?? ''),
      el('button', { type: 'button', onclick: async () => { await api('/api/auth/logout', { method: 'POST' }).catch(() => {}); setToken(null); location.reload(); } }, t('logout')),
    );
  } catch {
    slot.replaceChildren();
  }
}

async function start() {
  const hash = readHash();
  state.view = hash.view;
  state.asOf = hash.asOf;
  state.funds = await api('/api/funds');
  state.fundId = state.funds.some((fund) => fund.fundId === hash.fund) ? hash.fund : state.funds[0]?.fundId;
  if (state.fundId) await loadFundRange();
  await who();
  await render();
}

function wire() {
  setLang(lang());
  whenUnauthenticated(() => showLogin());
  $('lang').addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    render();
  });
  $('fund').addEventListener('change', async (event) => {
    state.fundId = event.target.value;
    state.asOf = undefined;
    await loadFundRange();
    render();
  });
  const slider = $('asof');
  slider.addEventListener('input', () => {
    state.asOf = isoOf(dayNumber(state.first) + Number(slider.value));
    if (state.asOf === state.last) state.asOf = undefined;
    updateSliderText();
  });
  slider.addEventListener('change', () => render());
  $('asof-latest').addEventListener('click', () => {
    state.asOf = undefined;
    render();
  });
  window.addEventListener('hashchange', () => {
    const hash = readHash();
    if (hash.view === state.view && hash.asOf === state.asOf && (hash.fund ?? state.fundId) === state.fundId) return;
    state.view = hash.view;
    state.asOf = hash.asOf;
    render();
  });
  start().catch((error) => {
    if (error.status === 401) return;
    $('view').replaceChildren(errorBox(error));
    document.body.dataset.state = 'error';
  });
}

// tests and people can set the date directly
window.fundtrail = {
  setAsOf(iso) {
    state.asOf = iso && iso !== state.last ? iso : undefined;
    return render();
  },
  state,
};

wire();
