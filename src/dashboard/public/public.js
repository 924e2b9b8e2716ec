// 拨付情况公示: the public page, no sign-in; it reads only /api/public/disclosure.
import { api } from './api.js';
import { date, lang, percentText, setLang, t, wan, wanUnit } from './i18n.js';
import { el, errorBox, kpi, section, table } from './ui.js';

async function render() {
  document.body.dataset.state = 'loading';
  document.title = `${t('publicTitle')} — Fundtrail`;
  document.getElementById('brand').textContent = `${t('product')} · ${t('publicTitle')}`;
  document.getElementById('lang').textContent = t('language');
  const main = document.getElementById('view');
  try {
    const funds = await api('/api/public/disclosure');
    main.replaceChildren(
      el('p', { class: 'note' }, t('publicIntro')),
      ...funds.map((fund) =>
        section(
          `${fund.name}（${fund.fiscalYear}）`,
          el(
            'div',
            { class: 'summary' },
            kpi(t('budget'), wanUnit(fund.budget), null, 'budget'),
            kpi(t('allocated'), wanUnit(fund.allocated), null, 'allocated'),
            kpi(t('paidToEnterprises'), wanUnit(fund.paidToEnterprises), null, 'paid'),
            kpi(t('executionRate'), percentText(fund.executionPercentOfBudget), `${t('formula')}: ${t('paidToEnterprises')} ÷ ${t('budget')}`, 'execution'),
          ),
          el(
            'div',
            { class: 'scroll tall' },
            table(
              [
                { label: t('date'), value: (payout) => date(payout.date) },
                { label: t('enterprise'), value: (payout) => (lang() === 'en' && payout.enterpriseEn ? payout.enterpriseEn : payout.enterprise) },
                { label: t('creditCode'), value: (payout) => payout.creditCode ?? '' },
                { label: t('county'), value: (payout) => payout.countyName ?? '' },
                { label: t('project'), value: (payout) => payout.project },
                { label: t('direction'), value: (payout) => payout.direction },
                { label: `${t('amount')}（${t('wan')}）`, value: (payout) => wan(payout.amount), num: true },
                { label: t('document'), value: (payout) => payout.document ?? '' },
              ],
              fund.payouts,
              { rowData: () => ({ payout: '1' }) },
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    main.replaceChildren(errorBox(error));
  }
  document.body.dataset.state = 'ready';
}

setLang(lang());
document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'zh' ? 'en' : 'zh');
  render();
});
render();
