import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApiHandler, httpApiDepsFromEnv } from '../../functions/aws/http-api.js';
import { cloudGuardsFromEnv, withCloudGuards } from '../../shared/auth/cloud-guards.js';
import { jwtAuthConfigFromEnv } from '../../shared/auth/auth-config.js';
import { MemoryLogger } from '../support/recorders.js';
import { startTestIssuer, type TestIssuer } from './oidc-issuer.js';

const BUCKETS = { ADNI_RAW_BUCKET: 'adni-raw', ADNI_PREPROCESSED_BUCKET: 'adni-preprocessed' };
const fixture = () => structuredClone(JSON.parse(readFileSync(new URL('../events/http-api/post-uploads.json', import.meta.url), 'utf8')));

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ scopePrefix: 'adni/' });
});
afterAll(() => issuer?.close());

describe('cloud entry points fail closed', () => {
  it('without AUTH_* the Lambda answers 500 misconfigured, never serves the route', async () => {
    // Prepare
    const logger = new MemoryLogger();
    const handler = createHttpApiHandler(() => withCloudGuards(httpApiDepsFromEnv(BUCKETS), BUCKETS), logger);
    // Act
    const response = await handler(fixture());
    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('misconfigured');
  });

  it('with AUTH_* an API Gateway event without a token is 401, one with a foreign signature too', async () => {
    // Prepare
    const env = { ...BUCKETS, AUTH_ISSUER: issuer.config.issuer, AUTH_AUDIENCE: 'adni-api', AUTH_JWKS_URL: issuer.config.jwksUrl, AUTH_SCOPE_PREFIX: 'adni/' };
    const handler = createHttpApiHandler(() => withCloudGuards(httpApiDepsFromEnv(env), env), new MemoryLogger());
    const forged = fixture();
    forged.headers.authorization = `Bearer ${await issuer.token({ scope: 'adni/upload' }, { key: issuer.foreignKey })}`;
    // Act
    const missing = await handler(fixture());
    const refused = await handler(forged);
    // Assess
    expect([missing.statusCode, refused.statusCode]).toEqual([401, 401]);
    expect(JSON.parse(refused.body).error.code).toBe('invalid_token');
  });

  it.each([
    [{ AUTH_ISSUER: 'https://issuer.example' }, /AUTH_AUDIENCE/],
    [{ AUTH_AUDIENCE: 'a' }, /AUTH_ISSUER/],
    [{ AUTH_ISSUER: 'not a url', AUTH_AUDIENCE: 'a' }, /AUTH_ISSUER/],
    [{ AUTH_ISSUER: 'https://issuer.example', AUTH_AUDIENCE: 'a', ADNI_RATE_LIMIT_BURST: '-1' }, /ADNI_RATE_LIMIT_BURST/],
    [{ AUTH_ISSUER: 'https://issuer.example', AUTH_AUDIENCE: 'a', ADNI_CORS_ORIGINS: 'dash' }, /ADNI_CORS_ORIGINS/],
  ])('a bad setting %j is named', (env, message) => {
    expect(() => cloudGuardsFromEnv(env, new MemoryLogger())).toThrow(message);
  });

  it('the JWKS URL defaults to the issuer’s well-known path (Cognito layout)', () => {
    expect(jwtAuthConfigFromEnv({ AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', AUTH_AUDIENCE: 'c' })?.jwksUrl).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
    );
    expect(jwtAuthConfigFromEnv({})).toBeUndefined();
  });
});
