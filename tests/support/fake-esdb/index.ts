export { FakeEsdbServer, type FakeEsdbOptions } from './fake-esdb-server';
