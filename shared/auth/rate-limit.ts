import type { MiddlewareHandler } from 'hono';
import { apiError } from '../api/errors.js';

export interface RateLimitOptions {
  /** Requests a client may make in a burst. */
  capacity: number;
  /** Tokens added back per second (the sustained rate). */
  refillPerSecond: number;
  /** Who "a client" is: the caller's address by default. */
  keyOf: (c: Parameters<MiddlewareHandler>[0]) => string;
  /** Buckets kept at most; full ones are forgotten first (a flood of addresses cannot grow memory without bound). */
  maxClients?: number;
  /** Milliseconds clock (tests). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A per-client token bucket in memory: each request takes one token, tokens refill at a steady rate, an
 * empty bucket answers 429 with `retry-after`. One process's view only: behind several instances the
 * gateway's own throttling (API Gateway, APIM, Cloud Armor) is the global limit.
 *
 * @example
 * app.use('*', rateLimit({ capacity: 60, refillPerSecond: 10, keyOf: (c) => clientAddress(c) ?? 'unknown' }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 10_000;
  const buckets = new Map<string, Bucket>();
  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(options.capacity, bucket.tokens + ((at - bucket.updated) / 1000) * options.refillPerSecond);
    bucket.updated = at;
  };
  return async (c, next) => {
    if (new URL(c.req.url).pathname === '/health') return next();
    const at = now();
    const key = options.keyOf(c);
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxClients) evict(buckets, at, refill, options.capacity, maxClients);
      bucket = { tokens: options.capacity, updated: at };
      buckets.set(key, bucket);
    }
    refill(bucket, at);
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) / options.refillPerSecond);
      c.header('retry-after', String(wait));
      return apiError(c, 429, 'rate_limited', `too many requests from this client; retry in ${wait} s`);
    }
    bucket.tokens -= 1;
    return next();
  };
}

function evict(buckets: Map<string, Bucket>, at: number, refill: (b: Bucket, at: number) => void, capacity: number, maxClients: number) {
  for (const [key, bucket] of buckets) {
    refill(bucket, at);
    if (bucket.tokens >= capacity) buckets.delete(key);
  }
  // Everyone is mid-burst: drop the oldest entry (a Map keeps insertion order) rather than grow.
  if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
}
