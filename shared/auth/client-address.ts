import type { Context } from 'hono';

/**
 * The caller's address as the cloud gateways report it: the first `x-forwarded-for` hop (API Gateway, Azure
 * Front Door/App Service and Google's front ends set it). The local server uses its socket address instead
 * (see the local stack), because there nobody in front overwrites a header the client made up.
 *
 * @example
 * forwardedClientAddress(c) // '203.0.113.7'
 */
export function forwardedClientAddress(c: Context): string | undefined {
  return c.req.header('x-forwarded-for')?.split(',')[0]?.trim().slice(0, 64) || undefined;
}
