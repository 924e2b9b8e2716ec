/**
 * Proves: a catch-up thread runs under the heap limit it is given, and one that runs out of it fails its catch-up
 * with a reason that names the limit and the setting that raises it (not V8's bare "out of memory" crash).
 */
import { join } from 'node:path';
import { CatchUpThread, threadHeapMb, THREAD_HEAP_MB_DEFAULT } from '../../projections/threads';

describe('a catch-up thread’s heap limit', () => {
  it('given a thread that keeps what it allocates, when it reaches its 64 MB limit, then the catch-up fails naming the limit and FUNDTRAIL_PROJECTION_HEAP_MB', async () => {
    const thread = new CatchUpThread(
      join(__dirname, 'fixtures', 'exhaust-heap.js'),
      { store: { kind: 'sqlite', filename: ':memory:' }, readModel: { kind: 'sqlite', filename: ':memory:' }, projections: ['money'], until: 1 },
      () => undefined,
      64,
    );
    await expect(thread.finished).rejects.toThrow(/money.*heap limit of 64 MB \(FUNDTRAIL_PROJECTION_HEAP_MB\)/);
  }, 30_000);

  it('takes the limit from the option, else FUNDTRAIL_PROJECTION_HEAP_MB, else the default; a value under 64 MB or not a number is the default', () => {
    const previous = process.env.FUNDTRAIL_PROJECTION_HEAP_MB;
    try {
      delete process.env.FUNDTRAIL_PROJECTION_HEAP_MB;
      expect(threadHeapMb({})).toBe(THREAD_HEAP_MB_DEFAULT);
      expect(threadHeapMb({ heapMb: 512 })).toBe(512);
      process.env.FUNDTRAIL_PROJECTION_HEAP_MB = '768';
      expect(threadHeapMb({})).toBe(768);
      process.env.FUNDTRAIL_PROJECTION_HEAP_MB = 'lots';
      expect(threadHeapMb({})).toBe(THREAD_HEAP_MB_DEFAULT);
      expect(threadHeapMb({ heapMb: 10 })).toBe(THREAD_HEAP_MB_DEFAULT);
    } finally {
      if (previous === undefined) delete process.env.FUNDTRAIL_PROJECTION_HEAP_MB;
      else process.env.FUNDTRAIL_PROJECTION_HEAP_MB = previous;
    }
  });
});
