import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AzureServerlessPlugin } from '../../providers/azure/sls/plugin.js';

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
