/**
 * A catch-up-then-live subscription over `readAll`, for stores that have no push of their own
 * (SQLite; PostgreSQL adds LISTEN/NOTIFY as the wake-up). Delivers each event once, in order.
 */
import type { RecordedEvent, ReadAllOptions, SubscribeOptions, Subscription } from './event-store.port';

export interface Waker {
  /** Resolves when there may be new events, or after `ms`. */
  wait(ms: number): Promise<void>;
  wake(): void;
}

export function createWaker(): Waker {
  let waiters: Array<() => void> = [];
  return {
    wait(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((waiter) => waiter !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
    wake() {
      const current = waiters;
      waiters = [];
      for (const waiter of current) waiter();
    },
  };
}

export const SUBSCRIPTION_BATCH_SIZE = 1_000;
export const SUBSCRIPTION_POLL_MS = 250;

export function pollingSubscription(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  waker: Waker,
  options: SubscribeOptions,
  pollMs = SUBSCRIPTION_POLL_MS,
): Subscription {
  let closed = false;
  let position = options.after;
  let caughtUp = false;
  const done = (async () => {
    while (!closed) {
      let batch: RecordedEvent[];
      try {
        batch = await readAll({ after: position, limit: SUBSCRIPTION_BATCH_SIZE });
      } catch (error) {
        options.onError?.(error as Error);
        await waker.wait(pollMs * 4);
        continue;
      }
      for (const event of batch) {
        if (closed) return;
        try {
          await options.onEvent(event);
        } catch (error) {
          options.onError?.(error as Error);
          closed = true;
          return;
        }
        position = event.position;
      }
      if (batch.length < SUBSCRIPTION_BATCH_SIZE) {
        if (!caughtUp) {
          caughtUp = true;
          options.onCaughtUp?.();
        }
        await waker.wait(pollMs);
      }
    }
  })();
  return {
    async close() {
      closed = true;
      waker.wake();
      await done;
    },
  };
}
