import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AzureServerlessPlugin } from '../../providers/azure/sls/plugin.js';
import { readAzureSettings } from '../../providers/azure/sls/settings.js';
import { AZURE_HTTP_ROUTES } from '../../functions/azure/routes.js';

/** What serverless 3 hands a provider plugin, reduced to what ours reads (the CLI tests cover the real thing). */
function pluginFor(overrides: { provider?: Record<string, unknown>; functions?: Record<string, unknown> } = {}) {
  class ServerlessError extends Error {
    constructor(message: string, readonly code?: string) {
      super(message);
    }
  }
  const serverless = {
    serviceDir: fileURLToPath(new URL('../../providers/azure', import.meta.url)),
    service: {
      service: 'adni-progression',
      provider: {
        name: 'azure',
        runtime: 'node22',
        stage: 'ci',
        region: 'swedencentral',
        resourceGroup: 'adni-progression-ci',
        subscriptionId: '',
        namePrefix: 'adniprog',
        webOrigin: 'http://localhost:8080',
        auth: { issuer: 'https://login.microsoftonline.com/t/v2.0', audience: 'api://adni' },
        storage: { rawContainer: 'raw', preprocessedContainer: 'preprocessed' },
        functionApp: { entry: '../../functions/azure/index.ts' },
        preprocessingJob: { image: 'ghcr.io/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
        ...overrides.provider,
      },
      functions: overrides.functions ?? {},
      package: {},
    },
    setProvider: () => {},
    configSchemaHandler: { defineProvider: () => {} },
    classes: { Error: ServerlessError },
  };
  const notices: string[] = [];
  const log = { notice: (m: string) => notices.push(m), info: () => {}, success: () => {}, warning: () => {} };
  return { plugin: new AzureServerlessPlugin(serverless as never, {}, { log }), ServerlessError, notices };
}

describe('Azure plugin guards (before any bundling or cloud call)', () => {
  it.each([
    ['no API token settings', { auth: { issuer: '', audience: '' } }, 'Azure deploy needs the API token settings: --param="authIssuer='],
    ['no subscription', { subscriptionId: '' }, 'Azure deploy needs a subscription: set AZURE_SUBSCRIPTION_ID'],
  ])('deploy with %s stops with a serverless error saying what to set', async (_case, provider, message) => {
    // Prepare
    const saved = process.env.AZURE_SUBSCRIPTION_ID;
    delete process.env.AZURE_SUBSCRIPTION_ID;
    const { plugin, ServerlessError } = pluginFor({ provider });
    try {
      // Act
      const error = await plugin.hooks['deploy:deploy']().catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(ServerlessError);
      expect((error as Error).message).toContain(message);
    } finally {
      if (saved !== undefined) process.env.AZURE_SUBSCRIPTION_ID = saved;
    }
  });

  it('package refuses http events that the Function App code does not register, naming both lists', async () => {
    // Prepare: a route in serverless.yml that functions/azure/routes.ts does not have.
    const { plugin, ServerlessError } = pluginFor({
      functions: { api: { handler: 'x', events: [{ http: { method: 'GET', route: 'admin' } }] } },
    });
    // Act
    const error = await plugin.hooks['before:package:createDeploymentArtifacts']().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ServerlessError);
    expect((error as Error).message).toMatch(/^serverless.yml http events \(GET admin\) differ from the routes functions\/azure\/routes.ts registers \(.*POST uploads.*\)$/);
  });

  it('a malformed serverless.yml names every bad field', async () => {
    const { plugin } = pluginFor({ provider: { namePrefix: 'Bad-Prefix', preprocessingJob: { image: 'not an image', cpu: 64, memoryGb: 16, timeoutMinutes: 30 } } });
    const error = (await plugin.hooks['before:package:createDeploymentArtifacts']().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('provider.namePrefix: must be 3-12 lowercase letters/digits');
    expect(error.message).toContain('provider.preprocessingJob.image: must be a registry/repository:tag');
    expect(error.message).toContain('provider.preprocessingJob.cpu');
  });
});

describe('Entra ID token settings', () => {
  const provider = (auth: Record<string, string>) => pluginFor({ provider: { auth } }).plugin.settings().provider.auth;

  it.each([
    ['a tenant id alone', { tenant: '11111111-2222-3333-4444-555555555555', audience: 'c' }, 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0', 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/discovery/v2.0/keys'],
    ['a tenant domain alone', { tenant: 'contoso.onmicrosoft.com', audience: 'c' }, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0', 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys'],
    ['a v2.0 issuer', { issuer: 'https://login.microsoftonline.com/t1/v2.0', audience: 'c' }, 'https://login.microsoftonline.com/t1/v2.0', 'https://login.microsoftonline.com/t1/discovery/v2.0/keys'],
    ['a v1.0 (sts.windows.net) issuer', { issuer: 'https://sts.windows.net/t1/', audience: 'c' }, 'https://sts.windows.net/t1/', 'https://login.microsoftonline.com/t1/discovery/keys'],
    ['another OIDC provider with its own JWKS', { issuer: 'https://idp.example.org', audience: 'c', jwksUrl: 'https://idp.example.org/keys' }, 'https://idp.example.org', 'https://idp.example.org/keys'],
  ])('%s gives the issuer and the signing keys Entra really publishes', (_case, auth, issuer, jwksUrl) => {
    expect(provider(auth)).toMatchObject({ issuer, jwksUrl, audience: 'c' });
  });

  it('a malformed tenant or issuer is named', () => {
    expect(() => readAzureSettings({ ...pluginFor().plugin.settings(), provider: { ...pluginFor().plugin.settings().provider, auth: { tenant: 'not a tenant', issuer: 'nope' } } })).toThrow(
      /provider\.auth\.tenant: must be the Entra ID tenant id.*provider\.auth\.issuer/,
    );
  });

  it('deploy accepts a tenant + audience (no issuer param) and goes on to the subscription check', async () => {
    const saved = process.env.AZURE_SUBSCRIPTION_ID;
    delete process.env.AZURE_SUBSCRIPTION_ID;
    try {
      const { plugin } = pluginFor({ provider: { auth: { tenant: 'contoso.onmicrosoft.com', audience: 'c' } } });
      const error = (await plugin.hooks['deploy:deploy']().catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('Azure deploy needs a subscription');
    } finally {
      if (saved !== undefined) process.env.AZURE_SUBSCRIPTION_ID = saved;
    }
  });
});

describe('timer functions', () => {
  const api = { handler: 'x', events: ['uploads', 'health'].map((route) => ({ http: { method: route === 'uploads' ? 'POST' : 'GET', route } })) };

  it('package refuses a serverless.yml without the reconciler timer the code registers, naming both', async () => {
    // Prepare: every route the code registers, but no timer event.
    const { plugin, ServerlessError } = pluginFor({
      functions: {
        api: {
          handler: 'x',
          events: AZURE_HTTP_ROUTES.flatMap((r) => r.methods.map((method) => ({ http: { method, route: r.route } }))),
        },
      },
    });
    // Act
    const error = await plugin.hooks['before:package:createDeploymentArtifacts']().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ServerlessError);
    expect((error as Error).message).toBe('serverless.yml timer functions (none) differ from the timers functions/azure/index.ts registers (reconcileJobs)');
  });

  it('a schedule that is not six-field NCRONTAB is refused by name', () => {
    const { plugin } = pluginFor({ functions: { api, reconcileJobs: { handler: 'x', events: [{ timer: { schedule: '*/5 * * * *' } }] } } });
    expect(() => plugin.settings()).toThrow(/functions\.reconcileJobs\.events\.0\.timer\.schedule: must be a six-field NCRONTAB expression/);
  });
});
