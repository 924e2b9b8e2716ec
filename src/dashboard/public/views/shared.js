// Data several views share, fetched once per page load and per fund.
import { api } from '../api.js';

const eventsByFund = new Map();
let names;

/** Every event of a fund, in order (paged through the events API). */
export function fundEvents(fundId) {
  if (!eventsByFund.has(fundId)) {
    eventsByFund.set(
      fundId,
      (async () => {
        const events = [];
        for (let page = 0; page < 100; page++) {
          const answer = await api(`/api/funds/${encodeURIComponent(fundId)}/events?fromVersion=${events.length}&limit=1000`);
          events.push(...answer.events);
          if (answer.events.length < 1000) break;
        }
        return events;
      })().catch((error) => {
        eventsByFund.delete(fundId);
        throw error;
      }),
    );
  }
  return eventsByFund.get(fundId);
}

/** holderId → display name (Chinese, or English when the page is in English and one exists). */
export async function holderNames() {
  names ??= api('/api/holders').then((holders) => holders);
  const holders = await names.catch((error) => {
    names = undefined;
    throw error;
  });
  const english = document.documentElement.lang === 'en';
  return new Map(holders.map((holder) => [holder.holderId, english && holder.nameEn ? holder.nameEn : holder.name]));
}

export async function holdersById() {
  names ??= api('/api/holders');
  return new Map((await names).map((holder) => [holder.holderId, holder]));
}

/** Events up to a business date are reloaded when new ones may have arrived. */
export function forgetEvents(fundId) {
  eventsByFund.delete(fundId);
}
