import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Timer } from '@azure/functions';
import { serve, type ServerType } from '@hono/node-server';
import type { Task } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirRoutes } from '../../providers/local/fhir/routes.js';
import { jobName } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import { taskFacts } from '../../shared/fhir/mapping.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { hasOpenssl, startLoopback, type Loopback, type RecordedRequest } from '../../test/azure/loopback.js';
import { StaticTokenCredential } from '../../test/azure/static-token-credential.js';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import { aciGroupName, azureReconcileDepsFromEnv, createAzureJobReconciler } from './job-reconciler.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG = 'adni-progression-ci';
const groupId = (name: string) => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;

/** The timer payload as the Functions host sends it (PascalCase); @azure/functions v4 hands the handler its camelCase form. */
function timerFixture(): Timer {
  const camel = (value: unknown): unknown =>
    value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), camel(v)])) : value;
  return camel(JSON.parse(readFileSync(new URL('../../test/events/timer/reconcile-jobs-tick.json', import.meta.url), 'utf8'))) as Timer;
}

function request(patientId: string): PreprocessJobRequest {
  const session = { patientId, sessionDate: '2024-03-01' };
  const fingerprint = '0123456789abcdef';
  return { ...session, fingerprint, jobName: jobName(patientId, '2024-03-01', fingerprint), inputBucket: 'raw', mriKey: rawKey(session, 'mri'), petKey: rawKey(session, 'pet'), outputBucket: 'preprocessed', outputPrefix: preprocessedPrefix(session) };
}

/** An ACI container group as ARM answers a GET, with the job container's current state. */
const group = (name: string, currentState: object) => ({
  id: groupId(name),
  name,
  location: 'swedencentral',
  properties: { provisioningState: 'Succeeded', osType: 'Linux', containers: [{ name: 'preprocess', properties: { image: 'i', resources: { requests: { cpu: 4, memoryInGB: 16 } }, instanceView: { currentState, events: [] } } }] },
});

let arm: Loopback;
let fhirServer: ServerType;
let fhirBase: string;
const fhir = memoryFhirStore();
const groups = new Map<string, object>();

beforeAll(async () => {
  // FHIR: the in-memory repository behind the product's own FHIR REST routes, over real HTTP on loopback.
  const app = new Hono();
  app.route('/', fhirRoutes({ repo: fhir.repo }));
  fhirServer = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir/R4`;
  if (!hasOpenssl()) return;
  // ARM: container groups by name (404 ResourceNotFound for a group that is gone), over TLS as the SDK requires.
  arm = await startLoopback((r: RecordedRequest) => {
    const name = decodeURIComponent(r.url.split('?')[0].split('/').pop() ?? '');
    const stored = r.method === 'GET' ? groups.get(name) : undefined;
    return stored ? { status: 200, body: stored } : { status: 404, body: { error: { code: 'ResourceNotFound', message: `The Resource '${name}' was not found.` } } };
  }, { tls: true });
});
afterAll(async () => {
  await arm?.close();
  await new Promise<void>((resolve) => (fhirServer ? fhirServer.close(() => resolve()) : resolve()));
});

const ENV = { ADNI_SUBSCRIPTION_ID: SUB, ADNI_RESOURCE_GROUP: RG, ADNI_UPLOAD_CONTAINER: 'raw', ADNI_OUTPUT_CONTAINER: 'preprocessed', FHIR_AUTH: 'none' };
const armClientOptions = () => ({ endpoint: arm.url, $host: arm.url, credentialScopes: ['https://management.azure.com/.default'], tlsOptions: { ca: arm.ca }, retryOptions: { maxRetries: 0 } });

describe.skipIf(!hasOpenssl())('Azure job reconciler timer (one pass: FHIR over loopback HTTP, ACI through the real ARM SDK on loopback)', () => {
  it('fails the Task of a job whose container group is gone, records an ACI failure, leaves a running job alone', async () => {
    // Prepare: three open Tasks written by the product's FHIR status sink 30 / 30 / 3 minutes ago.
    const sink = new FhirStatusSink({ store: fhir.store });
    const ago = (m: number) => new Date(Date.now() - m * 60_000);
    await sink.update({ job: request('AZ-ORPHAN'), jobId: groupId('adni-orphan'), status: 'in-progress', at: ago(30) });
    await sink.update({ job: request('AZ-RUNNING'), jobId: groupId('adni-running'), status: 'in-progress', at: ago(30) });
    await sink.update({ job: request('AZ-OOM'), jobId: groupId('adni-oom'), status: 'in-progress', at: ago(3) });
    groups.set('adni-running', group('adni-running', { state: 'Running' }));
    groups.set('adni-oom', group('adni-oom', { state: 'Terminated', exitCode: 137, detailStatus: 'OOMKilled' }));
    const credential = new StaticTokenCredential('arm-token');
    const logger = new MemoryLogger();
    const handler = createAzureJobReconciler(() => azureReconcileDepsFromEnv({ ...ENV, FHIR_BASE_URL: fhirBase }, { credential, armClientOptions: armClientOptions() }), logger);
    arm.requests.length = 0;
    // Act
    const outcome = await handler(timerFixture());
    // Assess
    expect(outcome).toMatchObject({ outcome: 'reconciled', checked: 3, unchanged: 1, unreadable: [] });
    const tasks = new Map((await fhir.store.search<Task>('Task', 'code=preprocess-session')).map((t) => [taskFacts(t).jobId, taskFacts(t)]));
    expect(tasks.get(groupId('adni-orphan'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^the job disappeared from the cloud without reporting/) });
    expect(tasks.get(groupId('adni-oom'))).toMatchObject({ status: 'failed', reason: 'preprocessing exited with code 137 (OOMKilled)' });
    expect(tasks.get(groupId('adni-running'))?.status).toBe('in-progress');
    // ACI was asked by group name in the configured resource group, with the function identity's token.
    expect(arm.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`).sort()).toEqual(['adni-oom', 'adni-orphan', 'adni-running'].map((n) => `GET ${groupId(n)}`));
    for (const r of arm.requests) expect(r.headers.authorization).toBe('Bearer arm-token');
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'job reconciler pass', fields: expect.objectContaining({ checked: 3, failed: 2, pastDue: false }) }));
    // Act again: a second tick finds one open job (the running one) and writes nothing new.
    const again = await handler(timerFixture());
    expect(again).toMatchObject({ outcome: 'reconciled', checked: 1, failed: [], unchanged: 1 });
  });
});

describe('Azure job reconciler configuration', () => {
  it('without FHIR_BASE_URL the tick is skipped with a warning naming it (there are no Tasks to read)', async () => {
    const logger = new MemoryLogger();
    const handler = createAzureJobReconciler(() => azureReconcileDepsFromEnv(ENV), logger);
    expect(await handler(timerFixture())).toEqual({ outcome: 'skipped', reason: expect.stringContaining('FHIR_BASE_URL is not set') });
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'job reconciler idle' }));
  });

  it('a bad setting fails the tick with the setting named, and the next tick builds the ports again', async () => {
    // Prepare
    let builds = 0;
    const handler = createAzureJobReconciler(() => {
      builds += 1;
      return azureReconcileDepsFromEnv({ ...ENV, ADNI_SUBSCRIPTION_ID: 'not-a-guid', FHIR_BASE_URL: 'http://127.0.0.1:9/fhir/R4' });
    });
    // Act
    const first = await handler(timerFixture()).catch((e: Error) => e);
    await handler(timerFixture()).catch(() => undefined);
    // Assess
    expect((first as Error).message).toMatch(/ADNI_SUBSCRIPTION_ID: must be a GUID/);
    expect(builds).toBe(2);
  });

  it.each([
    [groupId('adni-3f1c9a0b2d-0123456789ab'), 'adni-3f1c9a0b2d-0123456789ab'],
    [groupId('adni-3f1c9a0b2d-0123456789ab').replace(RG, RG.toUpperCase()), 'adni-3f1c9a0b2d-0123456789ab'],
    ['adni-3f1c9a0b2d-0123456789ab', 'adni-3f1c9a0b2d-0123456789ab'],
  ])('reads the container group name out of the job id %s', (jobId, name) => {
    expect(aciGroupName(jobId, RG)).toBe(name);
  });

  it('a job in another resource group is unreadable (never reported as gone from this one)', () => {
    expect(() => aciGroupName(groupId('g').replace(RG, 'other-rg'), RG)).toThrow('the job\'s container group is in resource group other-rg, the reconciler reads adni-progression-ci');
  });
});
