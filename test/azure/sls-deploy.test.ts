import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureTemplates } from '../../providers/azure/sls/arm-template.js';
import { deployAzure, type AzureDeployOptions } from '../../providers/azure/sls/deploy.js';
import { readAzureSettings } from '../../providers/azure/sls/settings.js';
import { hasOpenssl, startLoopback, type Loopback, type RecordedRequest } from './loopback.js';
import { StaticTokenCredential } from './static-token-credential.js';
import { createFakeArm } from './fake-arm.js';

const SUB = '00000000-0000-0000-0000-000000000001';

/** The resolved settings serverless.yml produces for `--stage ci` (the package test covers the YAML itself). */
const settings = readAzureSettings({
  service: 'adni-progression',
  stage: 'ci',
  provider: {
    name: 'azure',
    runtime: 'node22',
    region: 'swedencentral',
    resourceGroup: 'adni-progression-ci',
    namePrefix: 'adniprog',
    webOrigin: 'http://localhost:8080',
    auth: { tenant: 'contoso.onmicrosoft.com', audience: '66666666-7777-8888-9999-000000000000' },
    storage: { rawContainer: 'raw', preprocessedContainer: 'preprocessed' },
    functionApp: { entry: '../../functions/azure/index.ts' },
    preprocessingJob: { image: 'ghcr.io/adni/preprocessing:0.1.0', cpu: 4, memoryGb: 16, timeoutMinutes: 30 },
  },
  functions: {
    uploadEventGrid: { handler: 'x', events: [{ eventGrid: { container: 'raw', subjectBeginsWith: 'raw/', subjectEndsWith: '.nii.gz' } }] },
    reconcileJobs: { handler: 'x', events: [{ timer: { schedule: '0 */10 * * * *' } }] },
    predictProgression: { image: 'ghcr.io/adni/prediction:0.1.0', events: [{ http: { method: 'POST', route: 'predict-progression' } }] },
  },
});
const templates = azureTemplates(settings);
const zip = Buffer.from('PK-fake-zip-bytes');

const fakeArm = createFakeArm();
let arm: Loopback;

const options = (): AzureDeployOptions => ({
  settings,
  subscriptionId: SUB,
  credential: new StaticTokenCredential('arm-token'),
  infrastructure: templates.infrastructure,
  events: templates.events,
  zip,
  log: () => {},
  armEndpoint: arm.url,
  scmBaseUrl: arm.url,
  ca: arm.ca,
});
/** Method and path of each request, the api-version dropped. */
const calls = (requests: RecordedRequest[]) => requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);

describe('the prediction endpoint without `gpu:`', () => {
  it('runs on the Consumption profile only (CPU inference), with no GPU profile in the environment', () => {
    const app = templates.infrastructure.resources.find((r) => r.type === 'Microsoft.App/containerApps')!.properties as any;
    const environment = templates.infrastructure.resources.find((r) => r.type === 'Microsoft.App/managedEnvironments')!.properties as any;
    expect(app.workloadProfileName).toBe('Consumption');
    expect(environment.workloadProfiles).toEqual([{ name: 'Consumption', workloadProfileType: 'Consumption' }]);
  });
});

describe.skipIf(!hasOpenssl())('Azure deploy through the real ARM SDK (loopback ARM + SCM over TLS; needs openssl)', () => {
  beforeAll(async () => {
    arm = await startLoopback(fakeArm.handler, { tls: true });
  });
  afterAll(async () => arm?.close());

  it('creates the resource group, deploys the infrastructure, zip-deploys the code, then the Event Grid subscription', async () => {
    // Prepare
    arm.requests.length = 0;
    fakeArm.failOn(undefined);
    const progress: string[] = [];
    // Act
    const result = await deployAzure({ ...options(), log: (m) => progress.push(m) });
    // Assess
    const rg = `/subscriptions/${SUB}/resourcegroups/adni-progression-ci`;
    expect(calls(arm.requests)).toEqual([
      `PUT ${rg}`,
      `PUT ${rg}/providers/Microsoft.Resources/deployments/adni-progression-ci-infrastructure`,
      'POST /api/publish',
      `PUT ${rg}/providers/Microsoft.Resources/deployments/adni-progression-ci-events`,
    ]);
    const [group, infra, publish, events] = arm.requests;
    expect(group.json).toMatchObject({ location: 'swedencentral' });
    expect(infra.json.properties).toEqual({ mode: 'Incremental', template: templates.infrastructure, parameters: {} });
    // What ARM receives sets the Entra ID token settings and the reconciler's schedule on the Function App.
    const site = infra.json.properties.template.resources.find((r: { type: string }) => r.type === 'Microsoft.Web/sites');
    const appSettings = Object.fromEntries(site.properties.siteConfig.appSettings.map((a: { name: string; value: string }) => [a.name, a.value]));
    expect(appSettings).toMatchObject({
      AUTH_ISSUER: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
      AUTH_AUDIENCE: '66666666-7777-8888-9999-000000000000',
      AUTH_JWKS_URL: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
      ADNI_RECONCILE_SCHEDULE: '0 */10 * * * *',
    });
    expect(events.json.properties.template).toEqual(templates.events);
    expect(publish.url).toBe('/api/publish?RemoteBuild=false');
    expect(publish.headers).toMatchObject({ authorization: 'Bearer arm-token', 'content-type': 'application/zip' });
    expect(publish.body).toBe(zip.toString('utf8'));
    for (const r of [group, infra, events]) expect(r.headers.authorization).toBe('Bearer arm-token');
    expect(result.outputs.functionAppUrl).toBe('https://adni-progression-ci-fn.azurewebsites.net');
    expect(progress).toHaveLength(4);
  });

  it('is idempotent: a second deploy makes the same create-or-update calls with the same bodies', async () => {
    // Prepare
    arm.requests.length = 0;
    fakeArm.failOn(undefined);
    await deployAzure(options());
    const first = arm.requests.map((r) => [r.method, r.url, r.body]);
    arm.requests.length = 0;
    // Act
    await deployAzure(options());
    // Assess
    expect(arm.requests.map((r) => [r.method, r.url, r.body])).toEqual(first);
  });

  it('a refused deployment stops before the code is pushed, with a one-line reason', async () => {
    // Prepare
    arm.requests.length = 0;
    fakeArm.failOn(/deployments\/adni-progression-ci-infrastructure$/);
    // Act
    const error = await deployAzure(options()).catch((e: Error) => e);
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Azure deploy failed at "deployment adni-progression-ci-infrastructure .*": AuthorizationFailed: The client does not have authorization/);
    expect(calls(arm.requests)).not.toContain('POST /api/publish');
  });
});
