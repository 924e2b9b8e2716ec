// Small DOM helpers: no framework, no inline styles (the page's CSP allows only its own scripts).
import { t } from './i18n.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function section(title, ...children) {
  return el('section', { class: 'card' }, title ? el('h2', {}, title) : null, ...children);
}

/** An honest empty state for an API that has not landed: no figures at all. */
export function notReady(what) {
  return el('div', { class: 'not-ready', dataset: { notReady: what } }, el('strong', {}, `${t('notReady')} / not available yet`), el('p', {}, t('notReadyDetail')), el('code', {}, what));
}

export function errorBox(error) {
  return el('div', { class: 'error' }, `${t('error')}: ${error.message ?? error}`);
}

/**
 * A table from column specs: { label, value(row) → text|Node, class?, num? }.
 * Numbers are right-aligned; a row may carry a class via rowClass(row).
 */
export function table(columns, rows, options = {}) {
  const head = el('tr', {}, columns.map((column) => el('th', { class: column.num ? 'num' : undefined }, column.label)));
  const body = rows.map((row, index) =>
    el(
      'tr',
      { class: options.rowClass?.(row), onclick: options.onRowClick ? () => options.onRowClick(row) : undefined, dataset: options.rowData?.(row, index) },
      columns.map((column) => el('td', { class: [column.num ? 'num' : '', column.class ?? ''].join(' ').trim() || undefined }, column.value(row, index))),
    ),
  );
  return el('table', { class: options.class ?? 'grid' }, el('thead', {}, head), el('tbody', {}, body.length ? body : el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, t('noData')))));
}

export function kpi(label, value, detail, testId) {
  return el('div', { class: 'kpi', dataset: testId ? { kpi: testId } : undefined }, el('div', { class: 'kpi-label' }, label), el('div', { class: 'kpi-value' }, value), detail ? el('div', { class: 'kpi-detail' }, detail) : null);
}

const charts = new Set();
const pending = [];

/** An ECharts chart in a new div; drawn by mountCharts() once the view is in the page (it needs a size). */
export function chart(className, option, onReady) {
  const holder = el('div', { class: `chart ${className}` });
  pending.push({ holder, option, onReady });
  return holder;
}

export function mountCharts() {
  while (pending.length) {
    const { holder, option, onReady } = pending.shift();
    if (!holder.isConnected) continue;
    const instance = echarts.init(holder, null, { renderer: 'canvas' });
    instance.setOption(option);
    holder.chart = instance;
    charts.add(instance);
    onReady?.(instance);
  }
}

export function disposeCharts() {
  for (const instance of charts) instance.dispose();
  charts.clear();
}

window.addEventListener('resize', () => {
  for (const instance of charts) instance.resize();
});
