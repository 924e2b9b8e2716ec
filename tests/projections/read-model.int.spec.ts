/**
 * The read model's batch write, on SQLite and on PostgreSQL: what a batch writes is what its rows held when it was
 * handed to `commit`, even though the runner goes on folding (and changing the same row objects) while it commits.
 */
import type { TableSpec } from '../../projections/read-model';
import { PROJECT_PROGRESS_TABLE } from '../../projections/tables';
import { type ReadModelKind, freshReadModel, tempDir } from './support';

const KINDS: ReadModelKind[] = process.env.FUNDTRAIL_SKIP_PG === 'true' ? ['sqlite'] : ['sqlite', 'postgres'];

describe.each(KINDS)('a %s read model', (kind) => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  test('a batch writes the rows as they were when handed over, not as they are changed while it commits', async () => {
    const made = await freshReadModel(kind, dir.path, 'handover');
    try {
      await made.db.createTables([PROJECT_PROGRESS_TABLE], true);
      // given rows handed to a commit, more than one statement's worth (PostgreSQL: 20,000 rows a statement)
      const rows = Array.from({ length: 25_000 }, (_, index) => ({ position: index + 1, fund_id: 'f', project_id: `p${index}`, percent: 10, reported_on: '2022-01-01' }));
      const updated = [{ position: 7, fund_id: 'f', project_id: 'p6', percent: 55, reported_on: '2022-02-01' }];
      const first = made.db.commit((batch) => batch.insert(PROJECT_PROGRESS_TABLE, rows));
      // when the caller changes them as soon as commit returns (the next batch being folded), and empties the array
      for (const row of rows) row.percent = 99;
      rows.length = 0;
      await first;
      const second = made.db.commit((batch) => batch.update(PROJECT_PROGRESS_TABLE, ['percent', 'reported_on'], ['position'], updated));
      updated[0].percent = 0;
      await second;
      // then the tables hold what was handed over
      const written = await made.db.all<{ n: number; percent: number }>('SELECT COUNT(*) AS n, SUM(percent) AS percent FROM {pj_project_progress}');
      expect(written).toEqual([{ n: 25_000, percent: 24_999 * 10 + 55 }]);
      expect(await made.db.all('SELECT position, percent, reported_on FROM {pj_project_progress} WHERE position = 7')).toEqual([{ position: 7, percent: 55, reported_on: '2022-02-01' }]);
    } finally {
      await made.drop();
    }
  });

  test('text with tabs, line breaks, backslashes, Chinese and a literal \\N comes back as written, null as null (PostgreSQL: COPY text format)', async () => {
    const made = await freshReadModel(kind, dir.path, 'copy-text');
    const table: TableSpec = {
      name: 'pj_test_text',
      columns: [
        { name: 'position', type: 'bigint' },
        { name: 'label', type: 'text' },
        { name: 'note', type: 'text', nullable: true },
        { name: 'amount_fen', type: 'bigint', nullable: true },
      ],
      primary: ['position'],
      indexes: [],
    };
    try {
      await made.db.createTables([table], true);
      const odd = ['a\tb', 'two\nlines', 'cr\rhere', 'back\\slash', '\\N', '专项资金 2022', '', '\\\t\\n'];
      // given more rows than go through COPY on PostgreSQL (PG_COPY_FROM), with odd texts, nulls and large amounts
      const rows = Array.from({ length: 1_200 }, (_, index) => ({
        position: index + 1,
        label: odd[index % odd.length],
        note: index % 2 === 0 ? odd[(index + 3) % odd.length] : null,
        amount_fen: index % 3 === 0 ? null : index * 1_000_000_007,
      }));
      // when they are inserted in one batch
      await made.db.commit((batch) => batch.insert(table, rows));
      // then every value reads back exactly
      expect(await made.db.all('SELECT position, label, note, amount_fen FROM {pj_test_text} ORDER BY position')).toEqual(rows);
    } finally {
      await made.drop();
    }
  });

  test('a batch that fails part-way (a duplicate key in a bulk insert) writes nothing, and the read model goes on working', async () => {
    const made = await freshReadModel(kind, dir.path, 'rollback');
    try {
      await made.db.createTables([PROJECT_PROGRESS_TABLE], true);
      const row = (position: number) => ({ position, fund_id: 'f', project_id: `p${position}`, percent: 1, reported_on: '2022-01-01' });
      await made.db.commit((batch) => batch.insert(PROJECT_PROGRESS_TABLE, [row(1)]));
      // given a batch whose bulk insert (COPY on PostgreSQL) repeats an existing key, after an insert that succeeds
      const failing = made.db.commit((batch) => {
        batch.insert(PROJECT_PROGRESS_TABLE, [row(2)]);
        batch.insert(PROJECT_PROGRESS_TABLE, Array.from({ length: 1_500 }, (_, index) => row(index + 3)).concat([row(1)]));
      });
      // then it is refused, and nothing of it is in the tables (the message, not toThrow: better-sqlite3's error may
      // come from another realm than this test file's when an earlier suite in the same worker loaded the addon)
      await expect(failing).rejects.toMatchObject({ message: expect.stringMatching(/UNIQUE|duplicate/i) });
      expect(await made.db.all('SELECT COUNT(*) AS n FROM {pj_project_progress}')).toEqual([{ n: 1 }]);
      // and the next batch commits
      await made.db.commit((batch) => batch.insert(PROJECT_PROGRESS_TABLE, Array.from({ length: 1_200 }, (_, index) => row(index + 10))));
      expect(await made.db.all('SELECT COUNT(*) AS n FROM {pj_project_progress}')).toEqual([{ n: 1_201 }]);
    } finally {
      await made.drop();
    }
  });
});
