/**
 * Proves: the bench finds its histories by one naming (phases.ts, peersHistory). The default shape keeps the names
 * earlier runs left (so their histories are reused, not loaded again), and a longer history of 10M events is as dense
 * as the default 1M one (the same events per fund, the same funds per fiscal year) and named apart from the default
 * 10M one in every place a history is kept: its SQLite file, its PostgreSQL schema, Emmett's file and database.
 */
import { emmettHistoryDatabase, emmettSqliteFile } from '../../bench/peers/emmett';
import { peersHistory, sqliteHistoryFile } from '../../bench/phases';
import { DEFAULT_SYNTHETIC } from '../../bench/synthetic';

const SEED = 20220218;
const fileName = (path: string) => path.split('/').pop();
const namesOf = (config: ReturnType<typeof peersHistory>) => [fileName(sqliteHistoryFile(config)), config.pgSchema, fileName(emmettSqliteFile(config)), emmettHistoryDatabase(config)];

describe('the bench’s histories', () => {
  it('given the default shape, when a history is named, then it has the names earlier runs left', () => {
    expect(namesOf(peersHistory(1_000_000, SEED))).toEqual(['history-1000000-20220218.sqlite', 'ft_peers_1000000_20220218', 'emmett-sqlite-1000000-20220218.sqlite', 'fundtrail_emmett_1000000_20220218']);
    expect(peersHistory(10_000_000, SEED)).not.toHaveProperty('funds');
  });

  it('given the longer shape, when a 10M history is named, then it is as dense as the default 1M one and named apart from the default 10M one everywhere', () => {
    const longer = peersHistory(10_000_000, SEED, { longer: true });
    const reference = { funds: DEFAULT_SYNTHETIC.funds, years: DEFAULT_SYNTHETIC.years, events: 1_000_000 };
    expect([longer.funds, longer.years]).toEqual([1_000, 50]);
    expect(longer.events / longer.funds!).toBe(reference.events / reference.funds);
    expect(longer.funds! / longer.years!).toBe(reference.funds / reference.years);
    const names = namesOf(longer);
    const denser = namesOf(peersHistory(10_000_000, SEED));
    names.forEach((name, index) => expect(name).not.toBe(denser[index]));
    expect(names).toEqual(['history-10000000-20220218-f1000y50.sqlite', 'ft_peers_10000000_20220218_f1000y50', 'emmett-sqlite-10000000-20220218-f1000y50.sqlite', 'fundtrail_emmett_10000000_20220218_f1000y50']);
  });

  it('given the longer shape, when the history has at most 1M events, then it is the default one', () => {
    expect(peersHistory(1_000_000, SEED, { longer: true })).toEqual(peersHistory(1_000_000, SEED));
    expect(peersHistory(100_000, SEED, { longer: true })).toEqual(peersHistory(100_000, SEED));
  });
});
