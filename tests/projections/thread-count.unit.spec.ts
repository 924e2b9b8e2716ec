/**
 * Proves: how many catch-up threads a long catch-up gets by default — one per core, none on a single core (where
 * threads would only take turns with each other) — and that FUNDTRAIL_PROJECTION_THREADS, then the runner's option,
 * override it.
 */
import { availableParallelism } from 'node:os';
import { threadCount } from '../../projections/threads';

jest.mock('node:os', () => ({ ...jest.requireActual('node:os'), availableParallelism: jest.fn() }));
const cores = availableParallelism as jest.MockedFunction<typeof availableParallelism>;

describe('the number of catch-up threads', () => {
  const previous = process.env.FUNDTRAIL_PROJECTION_THREADS;
  afterEach(() => {
    if (previous === undefined) delete process.env.FUNDTRAIL_PROJECTION_THREADS;
    else process.env.FUNDTRAIL_PROJECTION_THREADS = previous;
  });

  it('given no setting, when the machine has one core, then there are none; with several, one per core', () => {
    delete process.env.FUNDTRAIL_PROJECTION_THREADS;
    cores.mockReturnValue(1);
    expect(threadCount({})).toBe(0);
    cores.mockReturnValue(2);
    expect(threadCount({})).toBe(2);
    cores.mockReturnValue(8);
    expect(threadCount({})).toBe(8);
  });

  it('given FUNDTRAIL_PROJECTION_THREADS or the option, when they are set, then they decide, the option first', () => {
    cores.mockReturnValue(1);
    process.env.FUNDTRAIL_PROJECTION_THREADS = '3';
    expect(threadCount({})).toBe(3);
    expect(threadCount({ max: 0 })).toBe(0);
    process.env.FUNDTRAIL_PROJECTION_THREADS = '0';
    cores.mockReturnValue(4);
    expect(threadCount({})).toBe(0);
  });
});
