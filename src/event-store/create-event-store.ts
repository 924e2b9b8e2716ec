/**
 * One place that turns configuration into an event store. The EventStoreDB adapter is loaded lazily, so that
 * deployments on SQLite or PostgreSQL never load its gRPC client.
 */
import { type EventStore, type EventStoreConfig, EventStoreUnavailableError } from './event-store.port';
import { PostgresEventStore } from './postgres.event-store';
import { SqliteEventStore } from './sqlite.event-store';

export type { EventStoreConfig };

interface EsdbEventStoreModule {
  EsdbEventStore: new (options: { connectionString: string }) => EventStore & { connect(): Promise<void> };
}

export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteEventStore({ filename: config.filename });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: config.connectionString, schema: config.schema });
    case 'esdb':
      return openEsdb(config.connectionString);
    default: {
      const unknown: never = config;
      throw new Error(`unknown event store kind ${JSON.stringify((unknown as { kind?: unknown }).kind)}: expected sqlite, postgres or esdb`);
    }
  }
}

async function openEsdb(connectionString: string): Promise<EventStore> {
  const module = loadEsdbModule();
  const store = new module.EsdbEventStore({ connectionString });
  await store.connect();
  return store;
}

function loadEsdbModule(): EsdbEventStoreModule {
  let module: Partial<EsdbEventStoreModule>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('./esdb.event-store') as Partial<EsdbEventStoreModule>;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'MODULE_NOT_FOUND' && /esdb\.event-store/.test((error as Error).message);
    if (!missing) throw error;
    throw new Error('event store kind "esdb": the EventStoreDB adapter (src/event-store/esdb.event-store.ts) is not part of this build yet');
  }
  if (typeof module.EsdbEventStore !== 'function') {
    throw new Error('event store kind "esdb": src/event-store/esdb.event-store does not export the class EsdbEventStore');
  }
  return module as EsdbEventStoreModule;
}

export { EventStoreUnavailableError };
