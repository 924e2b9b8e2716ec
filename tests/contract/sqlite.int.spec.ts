import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { type ContractHarness, eventStoreContract } from './event-store.contract';

/** A temporary directory per test run, a fresh database file per test. */
const directory = mkdtempSync(join(tmpdir(), 'fundtrail-sqlite-contract-'));
let counter = 0;

afterAll(() => rmSync(directory, { recursive: true, force: true }));

eventStoreContract(
  'sqlite',
  async () => {
    counter += 1;
    return { store: new SqliteEventStore({ filename: join(directory, `events-${counter}.db`), pollMs: 50 }) };
  },
  async (harness: ContractHarness) => {
    await harness.store.close();
  },
);
