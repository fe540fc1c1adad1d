import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureHttpEnvSchema, AzureReconcileEnvSchema, AzureUploadEnvSchema } from '../../providers/azure/config.js';
import { jwtAuthConfigFromEnv } from '../../shared/auth/auth-config.js';
import { BUILT_IN_ROLES, type ArmResource, type ArmTemplate } from '../../providers/azure/sls/arm-template.js';
import { AZURE_ARTIFACTS } from '../../providers/azure/sls/plugin.js';
import { createFakeArm } from './fake-arm.js';
import { hasOpenssl, startLoopback } from './loopback.js';

/**
 * `serverless package` of providers/azure/serverless.yml runs once for this file (offline: no Azure account,
 * telemetry off) through this repository's provider plugin; every test reads what it wrote: the Function App
 * zip, the ARM templates and the manifest. About 10-20 s on 2 cores.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const serviceDir = path.join(root, 'providers/azure');
const PACKAGE_TIMEOUT_MS = 180_000;
const sls = path.join(root, 'node_modules/serverless/bin/serverless.js');
/** The stage, and the Entra ID app registration a deployer passes (not an ARM resource): its tenant and client id. */
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT_ID = '66666666-7777-8888-9999-000000000000';
const STAGE_ARGS = ['--stage', 'ci', `--param=authTenant=${TENANT}`, `--param=authAudience=${CLIENT_ID}`];

let outDir: string;
let template: ArmTemplate;
let events: ArmTemplate;
let manifest: any;
let packageLog = '';
let packageSeconds = 0;

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: outDir,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  // No Azure credentials of any kind reach the child.
  AZURE_CONFIG_DIR: path.join(outDir, 'no-az-config'),
  ...extra,
});
const ofType = (type: string) => template.resources.filter((r) => r.type === type);
const one = (type: string, name?: string): ArmResource => {
  const found = ofType(type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ''}, found ${found.length}`);
  return found[0];
};
const props = (r: ArmResource) => r.properties as any;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'adni-sls-azure-'));
  const started = performance.now();
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [sls, 'package', ...STAGE_ARGS, '--package', outDir], {
    cwd: serviceDir,
    env: env(),
    timeout: PACKAGE_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  packageSeconds = (performance.now() - started) / 1000;
  packageLog = stdout + stderr;
  template = JSON.parse(await readFile(path.join(outDir, AZURE_ARTIFACTS.template), 'utf8'));
  events = JSON.parse(await readFile(path.join(outDir, AZURE_ARTIFACTS.eventsTemplate), 'utf8'));
  manifest = JSON.parse(await readFile(path.join(outDir, AZURE_ARTIFACTS.manifest), 'utf8'));
}, PACKAGE_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless package with the Azure provider plugin (offline)', () => {
  it('packages with no Azure access and reports its time', () => {
    expect(packageLog).toContain('Azure: packaged');
    expect(packageLog).not.toMatch(/Warning|Error/);
    console.info(`sls package (azure) took ${packageSeconds.toFixed(1)} s`);
  });

  it('the Function App zip is host.json + package.json + one ESM bundle, no node_modules, no heavy packages', async () => {
    const zip = await JSZip.loadAsync(await readFile(path.join(outDir, AZURE_ARTIFACTS.zip)));
    const files = Object.keys(zip.files).filter((f) => !zip.files[f].dir).sort();
    expect(files).toEqual(['dist/index.mjs', 'dist/index.mjs.map', 'host.json', 'package.json']);
    const host = JSON.parse(await zip.file('host.json')!.async('string'));
    expect(host).toMatchObject({ version: '2.0', extensions: { http: { routePrefix: '' } }, extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle' } });
    const pkg = JSON.parse(await zip.file('package.json')!.async('string'));
    expect(pkg).toMatchObject({ type: 'module', main: 'dist/index.mjs', dependencies: {} });
    const code = await zip.file('dist/index.mjs')!.async('string');
    expect(code.length).toBeLessThan(8 * 1024 * 1024);
    expect(code).not.toMatch(/onnxruntime-node|@itk-wasm|pglite/);
    console.info(`functionapp.zip: ${manifest.functionApp.zipBytes} bytes, bundle ${manifest.functionApp.bundleBytes} bytes`);
  });

  it('the packaged bundle loads in a fresh Node and registers the trigger and one function per API route', async () => {
    // Prepare: the zip unpacked as the Functions host would see it.
    const zip = await JSZip.loadAsync(await readFile(path.join(outDir, AZURE_ARTIFACTS.zip)));
    const dir = path.join(outDir, 'unzipped');
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    for (const f of ['package.json', 'dist/index.mjs']) await writeFile(path.join(dir, f), await zip.file(f)!.async('nodebuffer'));
    // Act: without the Functions worker, @azure/functions names each registration it skips.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(dir, 'dist/index.mjs'))});`], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Assess
    expect(run.status, run.stderr).toBe(0);
    const registered = [...(run.stdout + run.stderr).matchAll(/register function "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(registered).toEqual(['backfill', 'health', 'openapi', 'outputFiles', 'outputs', 'patientTimeline', 'patients', 'preprocessingStatus', 'reconcileJobs', 'reprocess', 'uploadEventGrid', 'uploads']);
  }, 90_000);

  it('declares the product routes: three on the Function App, prediction on the GPU Container App', () => {
    expect(manifest.routes).toEqual(
      expect.arrayContaining([
        { route: 'POST /uploads', servedBy: 'functionApp' },
        { route: 'POST /reprocess', servedBy: 'functionApp' },
        { route: 'POST /backfill', servedBy: 'functionApp' },
        { route: 'GET /preprocessing-status/{patient_id}', servedBy: 'functionApp' },
        { route: 'GET /patient-timeline/{patient_id}', servedBy: 'functionApp' },
        { route: 'POST /predict-progression', servedBy: 'predictionApp' },
      ]),
    );
  });
});

describe('storage', () => {
  it('the data account is private, TLS 1.2, Entra-only (no shared keys), zone-redundant', () => {
    const account = one('Microsoft.Storage/storageAccounts', manifest.names.dataStorage);
    expect(props(account)).toMatchObject({ allowBlobPublicAccess: false, allowSharedKeyAccess: false, minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true });
    expect((account.sku as any).name).toBe('Standard_ZRS');
  });

  it('has raw and preprocessed containers without public access, and blob versioning', () => {
    const containers = ofType('Microsoft.Storage/storageAccounts/blobServices/containers').filter((c) => c.name.startsWith(manifest.names.dataStorage));
    expect(containers.map((c) => c.name.split('/').pop()).sort()).toEqual(['preprocessed', 'raw']);
    for (const c of containers) expect(props(c).publicAccess).toBe('None');
    expect(props(one('Microsoft.Storage/storageAccounts/blobServices', `${manifest.names.dataStorage}/default`)).isVersioningEnabled).toBe(true);
  });

  it('lifecycle: raw/ goes Cool at 30 days and Cold (online) at 90; noncurrent versions expire after 90', () => {
    const rules = props(one('Microsoft.Storage/storageAccounts/managementPolicies')).policy.rules;
    const tiering = rules.find((r: any) => r.name === 'raw-to-cool-then-cold');
    expect(tiering.definition.filters.prefixMatch).toEqual(['raw/raw/']);
    expect(tiering.definition.actions.baseBlob).toEqual({
      tierToCool: { daysAfterModificationGreaterThan: 30 },
      tierToCold: { daysAfterModificationGreaterThan: 90 },
    });
    const versions = rules.find((r: any) => r.name === 'expire-noncurrent-versions');
    expect(versions.definition.actions.version).toEqual({ delete: { daysAfterCreationGreaterThan: 90 } });
    // What a killed job attempt staged expires after 7 days (issue 8: staged, then committed outputs).
    const staging = rules.find((r: any) => r.name === 'expire-stale-staging');
    expect(staging.definition.filters.prefixMatch).toEqual(['preprocessed/staging/']);
    expect(staging.definition.actions.baseBlob).toEqual({ delete: { daysAfterModificationGreaterThan: 7 } });
  });

  it('Event Grid delivers only BlobCreated under raw/raw/ ending in .nii.gz, as CloudEvents, to uploadEventGrid', () => {
    expect(one('Microsoft.EventGrid/systemTopics').properties).toMatchObject({ topicType: 'Microsoft.Storage.StorageAccounts' });
    expect(events.resources).toHaveLength(1);
    const subscription = props(events.resources[0]);
    expect(subscription.filter).toEqual({
      includedEventTypes: ['Microsoft.Storage.BlobCreated'],
      subjectBeginsWith: '/blobServices/default/containers/raw/blobs/raw/',
      subjectEndsWith: '.nii.gz',
      isSubjectCaseSensitive: true,
    });
    expect(subscription.eventDeliverySchema).toBe('CloudEventSchemaV1_0');
    expect(subscription.destination.endpointType).toBe('AzureFunction');
    expect(subscription.destination.properties.resourceId).toContain("'Microsoft.Web/sites/functions', 'adni-progression-ci-fn', 'uploadEventGrid'");
  });
});

describe('Function App', () => {
  const site = () => one('Microsoft.Web/sites');

  it('runs on Flex Consumption, Node 22, with its own user-assigned identity and HTTPS only', () => {
    expect(one('Microsoft.Web/serverfarms').sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(props(site()).functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    expect(props(site()).httpsOnly).toBe(true);
    expect(Object.keys((site().identity as any).userAssignedIdentities)).toEqual(["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'adni-progression-ci-fn-id')]"]);
  });

  it('gets every setting the entry points validate at cold start (same names as providers/azure/config.ts)', () => {
    const settings = new Map(props(site()).siteConfig.appSettings.map((s: any) => [s.name, s.value]));
    const schemaKeys = (schema: any): string[] =>
      schema.def?.left ? [...schemaKeys(schema.def.left), ...schemaKeys(schema.def.right)] : Object.keys(schema.shape ?? schema.def.shape);
    const needed = new Set([...schemaKeys(AzureUploadEnvSchema), ...schemaKeys(AzureHttpEnvSchema), ...schemaKeys(AzureReconcileEnvSchema)]);
    // Optional ones the template may leave out: the connection string (Azurite only) and a private registry.
    for (const optional of ['ADNI_STORAGE_CONNECTION_STRING', 'ADNI_REGISTRY_SERVER']) needed.delete(optional);
    for (const key of needed) expect(settings.has(key), key).toBe(true);
    expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
    // The API verifies Entra ID tokens itself (it fails closed without these): the tenant gives the v2.0 issuer and
    // the tenant's signing keys (Entra serves them at discovery/v2.0/keys, not <issuer>/.well-known/jwks.json).
    expect(jwtAuthConfigFromEnv(Object.fromEntries(settings) as Record<string, string>)).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audience: CLIENT_ID,
      jwksUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    });
    // The job reconciler's timer: the code registers it with this setting's NCRONTAB schedule.
    expect(settings.get('ADNI_RECONCILE_SCHEDULE')).toBe('0 */5 * * * *');
    expect(manifest.timers).toEqual([{ function: 'reconcileJobs', schedule: '0 */5 * * * *', setting: 'ADNI_RECONCILE_SCHEDULE' }]);
    expect([...settings.keys()].some((k) => /AccountKey|ConnectionString$/i.test(String(k)) && k !== 'APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe(false);
  });

  it('ACI jobs get the AWS Batch size: 4 vCPU, 16 GB, 30 minutes', () => {
    const settings = new Map(props(site()).siteConfig.appSettings.map((s: any) => [s.name, s.value]));
    expect([settings.get('ADNI_JOB_CPU'), settings.get('ADNI_JOB_MEMORY_GB'), settings.get('ADNI_JOB_TIMEOUT_SECONDS')]).toEqual(['4', '16', '1800']);
    expect(AzureUploadEnvSchema.safeParse({
      ADNI_STORAGE_ACCOUNT_URL: 'https://a.blob.core.windows.net/',
      ADNI_UPLOAD_CONTAINER: 'raw',
      ADNI_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      ADNI_RESOURCE_GROUP: 'rg',
      ADNI_LOCATION: 'swedencentral',
      ADNI_JOB_IMAGE: settings.get('ADNI_JOB_IMAGE'),
      ADNI_JOB_IDENTITY_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/j',
      ADNI_JOB_IDENTITY_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
      ADNI_JOB_CPU: settings.get('ADNI_JOB_CPU'),
      ADNI_JOB_MEMORY_GB: settings.get('ADNI_JOB_MEMORY_GB'),
      ADNI_JOB_TIMEOUT_SECONDS: settings.get('ADNI_JOB_TIMEOUT_SECONDS'),
    }).success).toBe(true);
    expect(manifest.preprocessingJob).toMatchObject({ cpu: 4, memoryGb: 16, timeoutMinutes: 30 });
  });
});

describe('prediction endpoint and monitoring', () => {
  it('a Container App on a serverless GPU workload profile, scaling to zero, logging to Log Analytics', () => {
    const environment = props(one('Microsoft.App/managedEnvironments'));
    expect(environment.workloadProfiles).toContainEqual({ name: 'gpu', workloadProfileType: 'Consumption-GPU-NC8as-T4' });
    expect(environment.appLogsConfiguration.destination).toBe('log-analytics');
    const app = props(one('Microsoft.App/containerApps'));
    expect(app.workloadProfileName).toBe('gpu');
    expect(app.configuration.ingress).toMatchObject({ external: true, allowInsecure: false });
    expect(app.template.scale.minReplicas).toBe(0);
    expect(one('Microsoft.Insights/components').properties).toMatchObject({ WorkspaceResourceId: expect.stringContaining('workspaces') });
  });
});

describe('identity and roles (least privilege)', () => {
  const assignments = () =>
    ofType('Microsoft.Authorization/roleAssignments').map((a) => ({
      identity: String(props(a).principalId).match(/userAssignedIdentities', '([^']+)'/)![1],
      role: String(props(a).roleDefinitionId),
      scope: String(a.scope),
    }));
  const roleName = (id: string) => Object.entries(BUILT_IN_ROLES).find(([, guid]) => id.includes(guid))?.[0] ?? (id.includes('guid(resourceGroup().id') ? 'custom' : id);

  it('no Owner, Contributor or User Access Administrator; nothing at subscription scope', () => {
    const broad = ['8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'b24988ac-6180-42a0-ab88-20f7382dd24c', '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9'];
    for (const a of assignments()) {
      for (const id of broad) expect(a.role).not.toContain(id);
      expect(a.scope).not.toMatch(/subscription\(\)|^\/subscriptions\/[^/]+$/);
    }
  });

  it('custom roles list exact actions (no wildcards) and are assignable only in this resource group', () => {
    const roles = ofType('Microsoft.Authorization/roleDefinitions').map((r) => props(r));
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      expect(role.assignableScopes).toEqual(['[resourceGroup().id]']);
      for (const action of role.permissions[0].actions) expect(action).not.toContain('*');
    }
    expect(roles.flatMap((r) => r.permissions[0].actions).sort()).toEqual([
      'Microsoft.ContainerInstance/containerGroups/read',
      'Microsoft.ContainerInstance/containerGroups/write',
      'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
    ]);
  });

  it('each identity gets exactly its data roles, scoped to a container where Azure allows it', () => {
    const n = manifest.names;
    const container = (c: string) => `Microsoft.Storage/storageAccounts/${n.dataStorage}/blobServices/default/containers/${c}`;
    const table = assignments().map((a) => [a.identity, roleName(a.role), a.scope]).sort((x, y) => x.join().localeCompare(y.join()));
    expect(table).toEqual(
      [
        [n.functionIdentity, 'storageBlobDataOwner', `Microsoft.Storage/storageAccounts/${n.hostStorage}`],
        [n.functionIdentity, 'storageBlobDataContributor', container('raw')],
        [n.functionIdentity, 'storageBlobDelegator', `Microsoft.Storage/storageAccounts/${n.dataStorage}`],
        [n.functionIdentity, 'custom', '[resourceGroup().id]'],
        [n.functionIdentity, 'custom', `Microsoft.ManagedIdentity/userAssignedIdentities/${n.jobIdentity}`],
        [n.jobIdentity, 'storageBlobDataReader', container('raw')],
        [n.jobIdentity, 'storageBlobDataContributor', container('preprocessed')],
        [n.predictionIdentity, 'storageBlobDataReader', container('preprocessed')],
      ].sort((x, y) => x.join().localeCompare(y.join())),
    );
  });
});

describe('serverless deploy', () => {
  it.skipIf(!hasOpenssl())('deploys the packaged templates and zip to a stand-in ARM + SCM, signed in through the az CLI', async () => {
    // Prepare: ARM over TLS on loopback (its certificate trusted via NODE_EXTRA_CA_CERTS), and an `az` on PATH
    // that prints what `az account get-access-token --output json` prints.
    const arm = await startLoopback(createFakeArm().handler, { tls: true });
    try {
      const bin = path.join(outDir, 'bin');
      await mkdir(bin, { recursive: true });
      await writeFile(path.join(bin, 'az'), `#!/bin/sh\necho '{"accessToken":"cli-token","expires_on":${Math.floor(Date.now() / 1000) + 3600},"tokenType":"Bearer"}'\n`, { mode: 0o755 });
      await writeFile(path.join(outDir, 'arm-ca.pem'), arm.ca!);
      // Act: the real CLI, reusing the artifacts above (--package: no second packaging).
      const run = await promisify(execFile)(process.execPath, [sls, 'deploy', ...STAGE_ARGS, '--package', outDir], {
        cwd: serviceDir,
        env: env({
          PATH: `${bin}:${process.env.PATH}`,
          AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
          AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
          ADNI_AZURE_ARM_ENDPOINT: arm.url,
          ADNI_AZURE_SCM_URL: arm.url,
          NODE_EXTRA_CA_CERTS: path.join(outDir, 'arm-ca.pem'),
        }),
        timeout: 90_000,
      });
      // Assess
      expect(run.stdout + run.stderr).toContain('Azure: deployed adni-progression (ci) to resource group adni-progression-ci');
      const rg = '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/adni-progression-ci';
      expect(arm.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
        `PUT ${rg}`,
        `PUT ${rg}/providers/Microsoft.Resources/deployments/adni-progression-ci-infrastructure`,
        'POST /api/publish',
        `PUT ${rg}/providers/Microsoft.Resources/deployments/adni-progression-ci-events`,
      ]);
      expect(arm.requests[1].json.properties.template).toEqual(template);
      expect(arm.requests[3].json.properties.template).toEqual(events);
      expect(Number(arm.requests[2].headers['content-length'])).toBe(manifest.functionApp.zipBytes);
      for (const r of arm.requests) expect(r.headers.authorization).toBe('Bearer cli-token');
    } finally {
      await arm.close();
    }
  }, 100_000);

  it('with a subscription but no credentials stops at the first ARM call and says how to sign in', () => {
    const run = spawnSync(process.execPath, [sls, 'deploy', ...STAGE_ARGS, '--package', outDir], {
      cwd: serviceDir,
      env: env({ AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001' }),
      encoding: 'utf8',
      timeout: 90_000,
    });
    const output = run.stdout + run.stderr;
    expect(run.status).not.toBe(0);
    expect(output).toContain('Azure deploy failed at "resource group adni-progression-ci (swedencentral)": no Azure credentials (run `az login`');
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  }, 100_000);
});
