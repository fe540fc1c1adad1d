import { z } from 'zod';
import { azureTokenSource, bearerFetch, googleTokenSource } from './bearer.js';
import type { FetchFn } from './fetch-types.js';
import { sigv4Fetch } from './sigv4.js';

export const FhirClientEnvSchema = z.object({
  FHIR_BASE_URL: z.url({ message: 'FHIR_BASE_URL must be an http(s) URL, e.g. http://127.0.0.1:8080/fhir/R4' }),
  FHIR_AUTH: z.enum(['none', 'sigv4', 'azure', 'google', 'token']).default('none'),
  /** `token` only: a static bearer token (the local stack hands its job processes one when its API is protected). */
  FHIR_TOKEN: z.string().min(16, 'FHIR_TOKEN must be at least 16 characters').optional(),
  /** SigV4 only: the region (defaults to AWS_REGION, then the region in a HealthLake host name). */
  FHIR_AWS_REGION: z.string().optional(),
  AWS_REGION: z.string().optional(),
  /** Azure only: the token scope (default `<base origin>/.default`). */
  FHIR_AZURE_SCOPE: z.string().optional(),
});

export type FhirClientEnv = z.infer<typeof FhirClientEnvSchema>;

/**
 * The fetch for `FHIR_AUTH`: plain, SigV4 (HealthLake, SDK default credential chain), Entra ID bearer
 * (`DefaultAzureCredential`) or Google ADC bearer. The cloud SDKs load only for the mode in use.
 *
 * @example
 * const f = await authFetchFromEnv(FhirClientEnvSchema.parse(process.env));
 */
export async function authFetchFromEnv(env: FhirClientEnv): Promise<FetchFn> {
  const base = new URL(env.FHIR_BASE_URL);
  switch (env.FHIR_AUTH) {
    case 'none':
      return (url, init) => fetch(url, init);
    case 'token': {
      if (!env.FHIR_TOKEN) throw new Error('FHIR_AUTH=token needs FHIR_TOKEN');
      const token = { token: env.FHIR_TOKEN, expiresOnTimestamp: Number.MAX_SAFE_INTEGER };
      return bearerFetch({ getToken: async () => token });
    }
    case 'sigv4': {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      const region = env.FHIR_AWS_REGION ?? env.AWS_REGION ?? /healthlake\.([a-z0-9-]+)\.amazonaws\.com$/.exec(base.hostname)?.[1];
      if (!region) throw new Error('FHIR_AUTH=sigv4 needs FHIR_AWS_REGION or AWS_REGION');
      return sigv4Fetch({ region, service: 'healthlake', credentials: defaultProvider() });
    }
    case 'azure': {
      const { DefaultAzureCredential } = await import('@azure/identity');
      return bearerFetch({ getToken: azureTokenSource(new DefaultAzureCredential(), env.FHIR_AZURE_SCOPE ?? `${base.origin}/.default`) });
    }
    case 'google': {
      const { GoogleAuth } = await import('google-auth-library');
      return bearerFetch({ getToken: googleTokenSource(new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-healthcare'] })) });
    }
  }
}
