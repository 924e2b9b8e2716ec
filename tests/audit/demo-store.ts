/** The demo fund loaded through the real ledger into a fresh in-memory SQLite store (about 0.3 s). */
import { loadDemo } from '../../src/app/demo-loader';
import { readFundStream, readHolders, readWholeLog } from '../../src/audit/history';
import { HOHHOT_2022_FUND_ID } from '../../src/demo/hohhot-2022';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';

export async function demoStore() {
  const store = new SqliteEventStore({ filename: ':memory:' });
  const ledger = new Ledger(store);
  await loadDemo(ledger);
  return { store, ledger };
}

export async function demoHistory() {
  const { store, ledger } = await demoStore();
  return { store, ledger, all: await readWholeLog(store), fund: await readFundStream(store, HOHHOT_2022_FUND_ID), holders: await readHolders(store) };
}
