/**
 * In-process token buckets: `capacity` requests at once, refilled at `perMinute`. The clock is
 * injected so tests can move time. One process, one set of buckets: behind several instances each
 * limits on its own (documented in docs/security.md).
 */

export interface RateLimit {
  /** Requests a minute, sustained. */
  perMinute: number;
  /** Requests at once (the bucket size); defaults to perMinute. */
  burst?: number;
}

/** Buckets kept at most; when full, the fullest (idlest) are forgotten first. */
export const BUCKETS_MAX = 10_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  private get capacity(): number {
    return this.limit.burst ?? this.limit.perMinute;
  }

  /** Takes one token for `key`: true if there was one, false (and the seconds to wait) if not. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.nowMs();
    const ratePerMs = this.limit.perMinute / 60_000;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= BUCKETS_MAX) this.evict(now);
      bucket = { tokens: this.capacity, updatedMs: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.updatedMs) * ratePerMs);
      bucket.updatedMs = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
  }

  private evict(now: number): void {
    const ratePerMs = this.limit.perMinute / 60_000;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedMs) * ratePerMs >= this.capacity) this.buckets.delete(key);
    }
    // still full: forget the oldest half (Map keeps insertion order)
    if (this.buckets.size >= BUCKETS_MAX) {
      let drop = Math.floor(BUCKETS_MAX / 2);
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
