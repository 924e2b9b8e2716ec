/**
 * Proves: a loop of page reads from the SQLite store (readAll: a catch-up of a long log) lets a due timer — and so the
 * server's requests — run between pages, though better-sqlite3 answers every read at once.
 */
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { newEvent } from '../contract/event-store.contract';

describe('the SQLite store, read page after page', () => {
  let store: SqliteEventStore;
  beforeAll(async () => {
    store = new SqliteEventStore({ filename: ':memory:' });
    for (let index = 0; index < 5; index++) {
      await store.append(`s-${index}`, [newEvent('Noted', { index })], { expectedVersion: 'no-stream' });
    }
  });
  afterAll(() => store.close());

  it('given a due timer, when a catch-up reads the log a page at a time, then the timer runs before the catch-up ends', async () => {
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    const due = Date.now() + 5;
    while (Date.now() < due); // the timer is due before the first page is read
    const seenBeforePage: boolean[] = [];
    for (let after = 0; after < 5; after++) {
      seenBeforePage.push(timerFired);
      await store.readAll({ after, limit: 1 });
    }
    expect(seenBeforePage[0]).toBe(false);
    expect(seenBeforePage[4]).toBe(true);
  });
});
