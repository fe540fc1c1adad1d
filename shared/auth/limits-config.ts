import { z } from 'zod';
import type { ApiLimits } from './api-guards.js';

const positiveInt = (name: string) => z.coerce.number({ message: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be positive`);

/** The API's limits as environment settings (every provider reads the same names). */
export const LimitsEnvSchema = z.object({
  ADNI_MAX_BODY_BYTES: positiveInt('ADNI_MAX_BODY_BYTES').optional(),
  ADNI_MAX_FHIR_BODY_BYTES: positiveInt('ADNI_MAX_FHIR_BODY_BYTES').optional(),
  /** Burst per client; `0` turns the in-app rate limit off. */
  ADNI_RATE_LIMIT_BURST: z.coerce.number().int().min(0, 'ADNI_RATE_LIMIT_BURST must be 0 (off) or more').optional(),
  ADNI_RATE_LIMIT_PER_SECOND: z.coerce.number().positive('ADNI_RATE_LIMIT_PER_SECOND must be positive').optional(),
  /** Proxies in front of the API that append to x-forwarded-for (2 behind CloudFront → API Gateway). */
  ADNI_TRUSTED_PROXY_HOPS: z.coerce.number().int('ADNI_TRUSTED_PROXY_HOPS must be a whole number').min(1, 'ADNI_TRUSTED_PROXY_HOPS must be 1-5').max(5, 'ADNI_TRUSTED_PROXY_HOPS must be 1-5').optional(),
  /** Comma-separated browser origins of the dashboard, e.g. `https://dash.example.org`. */
  ADNI_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : undefined))
    .pipe(z.array(z.url({ message: 'ADNI_CORS_ORIGINS must list origins like https://dash.example.org' })).optional()),
});

/**
 * Limits from the environment. The rate limit is on by default (`defaultRateLimit`) unless
 * `ADNI_RATE_LIMIT_BURST=0`; throws an Error naming each bad variable.
 *
 * @example
 * limitsFromEnv(process.env, { defaultRateLimit: { capacity: 300, refillPerSecond: 50 } })
 */
export function limitsFromEnv(env: Record<string, string | undefined>, options: { defaultRateLimit?: ApiLimits['rateLimit'] } = {}): ApiLimits {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in LimitsEnvSchema.shape && v !== undefined && v !== ''));
  const parsed = LimitsEnvSchema.safeParse(relevant);
  if (!parsed.success) throw new Error(`invalid limit settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const burst = e.ADNI_RATE_LIMIT_BURST;
  const rateLimit =
    burst === 0
      ? undefined
      : burst !== undefined || e.ADNI_RATE_LIMIT_PER_SECOND !== undefined
        ? { capacity: burst ?? 300, refillPerSecond: e.ADNI_RATE_LIMIT_PER_SECOND ?? 50 }
        : options.defaultRateLimit;
  return {
    ...(e.ADNI_MAX_BODY_BYTES ? { maxBodyBytes: e.ADNI_MAX_BODY_BYTES } : {}),
    ...(e.ADNI_MAX_FHIR_BODY_BYTES ? { maxFhirBodyBytes: e.ADNI_MAX_FHIR_BODY_BYTES } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(e.ADNI_TRUSTED_PROXY_HOPS ? { trustedProxyHops: e.ADNI_TRUSTED_PROXY_HOPS } : {}),
    ...(e.ADNI_CORS_ORIGINS ? { corsOrigins: e.ADNI_CORS_ORIGINS.map((o) => new URL(o).origin) } : {}),
  };
}
