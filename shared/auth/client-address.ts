import type { Context } from 'hono';

/**
 * The caller's address behind `trustedHops` proxies that each append to `x-forwarded-for` (API Gateway, Azure
 * Front Door/App Service and Google's front ends do): the entry that many places from the right. Entries further
 * left were written by the client and could be anything, so the first hop is never trusted. Default 1 (the
 * gateway alone); 2 behind CloudFront → API Gateway. The local server uses its socket address instead.
 *
 * @example
 * forwardedClientAddress(1)(c) // 'x-forwarded-for: 6.6.6.6, 203.0.113.7' → '203.0.113.7'
 */
export function forwardedClientAddress(trustedHops = 1): (c: Context) => string | undefined {
  return (c) => {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    return hops[Math.max(0, hops.length - trustedHops)]?.slice(0, 64) || undefined;
  };
}
