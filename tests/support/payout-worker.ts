/**
 * A child process for the crash tests: pays batches of payouts in a loop into the SQLite store at
 * argv[2] and prints "acked <batchId>" after each batch the ledger acknowledged. The parent kills it with SIGKILL.
 */
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';

const [filename, fundId, prefix, batchSizeText] = process.argv.slice(2);
const batchSize = Number(batchSizeText);

async function main(): Promise<void> {
  const store = new SqliteEventStore({ filename });
  const ledger = new Ledger(store);
  for (let batch = 0; ; batch++) {
    const batchId = `${prefix}-${batch}`;
    await ledger.executeFund(
      fundId,
      {
        kind: 'MakePayouts',
        batchId,
        occurredAt: '2022-06-01',
        items: Array.from({ length: batchSize }, (_, index) => ({ payoutId: `${batchId}-${index}`, fromHolderId: 'county', projectId: 'p1', amountFen: 1 })),
      },
      { actor: { id: 'worker', role: 'county-finance' } },
    );
    process.stdout.write(`acked ${batchId}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
