/**
 * The objects the app is made of, built once from the configuration and shared by the HTTP server
 * and the CLI: the event store, the ledger and its catalog.
 */
import type { AppConfig } from '../config';
import type { EventStore } from '../event-store/event-store.port';
import { SqliteEventStore } from '../event-store/sqlite.event-store';
import { Catalog } from '../ledger/catalog';
import { Ledger } from '../ledger/ledger';
import { LedgerQueries } from '../ledger/ledger.queries';
import { ProjectionService } from '../../projections';

export interface Runtime {
  config: AppConfig;
  store: EventStore;
  ledger: Ledger;
  catalog: Catalog;
  queries: LedgerQueries;
  /** The read models (projections/): opened on first use, followed by the server, caught up by CLI queries. */
  projections: ProjectionService;
  clock: () => Date;
  close(): Promise<void>;
}

export async function openEventStore(config: AppConfig): Promise<EventStore> {
  if (config.eventStore.kind === 'sqlite') return new SqliteEventStore({ filename: config.eventStore.filename });
  // the other adapters are loaded only when chosen
  const factory = require('../event-store/create-event-store') as { createEventStore(config: AppConfig['eventStore']): Promise<EventStore> };
  return factory.createEventStore(config.eventStore);
}

export async function createRuntime(config: AppConfig, options: { store?: EventStore; clock?: () => Date } = {}): Promise<Runtime> {
  const store = options.store ?? (await openEventStore(config));
  const clock = options.clock ?? (() => new Date());
  const ledger = new Ledger(store, clock);
  const catalog = new Catalog(store);
  const closers: Array<() => Promise<void>> = [];
  const projections = new ProjectionService(store, config.readModel);
  closers.push(() => projections.close());
  return {
    config,
    store,
    ledger,
    catalog,
    queries: new LedgerQueries(ledger, catalog, store),
    projections,
    clock,
    async close() {
      for (const closer of closers.reverse()) await closer();
      await store.close();
    },
  };
}
