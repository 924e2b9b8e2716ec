/**
 * Proves: the package's own `bin` (what `npx fundtrail` runs, from the build `npm test` makes) loads the demo
 * fund, answers the read-model queries as a table for people and as JSON for scripts with the report's figures,
 * and says what is wrong, with a non-zero exit code, for an unknown fund.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/fundtrail.js');
const FUND = 'hohhot-2022-industrial';

describe('the fundtrail command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fundtrail-cli-'));
  const env = { ...process.env, FUNDTRAIL_DATA_DIR: dataDir };
  const run = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loads the demo, then answers execution as a table and as JSON with the report’s figures', () => {
    run('demo', 'load');
    const table = run('execution', FUND);
    expect(table).toMatch(/15\.67%/);
    expect(table).toMatch(/呼财工指〔2022〕28号/);
    const execution = JSON.parse(run('execution', FUND, '--json'));
    expect(execution.rate).toBe('15.67%');
    expect(execution.numerator.amount).toBe('23510200.00');
    const funds = JSON.parse(run('funds', '--json'));
    expect(funds).toEqual([expect.objectContaining({ fundId: FUND, budget: '150000000.00' })]);
  }, 120_000);

  it('answers an unknown fund with a message and a non-zero exit code', () => {
    const result = spawnSync(process.execPath, [BIN, 'fund', 'no-such-fund'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/不存在 \/ fund no-such-fund not found/);
  }, 60_000);
});
