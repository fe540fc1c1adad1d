import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
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
import { startLoopback, type Loopback, type RecordedRequest } from '../../test/azure/loopback.js';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { StaticGoogleAuth } from '../../test/gcp/static-auth.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import { executionName, gcpReconcileDepsFromEnv } from './job-reconciler.js';
import { registerGcpFunctions } from './register.js';

const JOB = 'projects/adni-progression-dev/locations/europe-west4/jobs/adni-progression-ci-preprocess';
const execution = (name: string) => `${JOB}/executions/${name}`;
/** What Cloud Run hands the function when Cloud Scheduler fires (test/events/scheduler). */
const delivery = JSON.parse(readFileSync(new URL('../../test/events/scheduler/reconcile-jobs-http.json', import.meta.url), 'utf8'));

function request(patientId: string): PreprocessJobRequest {
  const session = { patientId, sessionDate: '2024-03-01' };
  const fingerprint = '0123456789abcdef';
  return { ...session, fingerprint, jobName: jobName(patientId, '2024-03-01', fingerprint), inputBucket: 'adni-progression-raw-ci', mriKey: rawKey(session, 'mri'), petKey: rawKey(session, 'pet'), outputBucket: 'adni-progression-preprocessed-ci', outputPrefix: preprocessedPrefix(session) };
}

const fhir = memoryFhirStore();
const executions = new Map<string, object>();
let runApi: Loopback;
let fhirServer: ServerType;
let fhirBase: string;
const servers: Server[] = [];
const urls: Record<string, string> = {};

async function listen(name: string): Promise<string> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ENV = { ADNI_GCS_BUCKET: 'adni-progression-raw-ci', ADNI_OUTPUT_BUCKET: 'adni-progression-preprocessed-ci', FHIR_AUTH: 'none' };
const unused = () => Promise.reject(new Error('not used here'));

beforeAll(async () => {
  // FHIR: the in-memory repository behind the product's own FHIR REST routes, over real HTTP on loopback.
  const app = new Hono();
  app.route('/', fhirRoutes({ repo: fhir.repo }));
  fhirServer = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir/R4`;
  // Cloud Run Admin API v2: executions by name, 404 NOT_FOUND for one that is gone.
  runApi = await startLoopback((r: RecordedRequest) => {
    const found = executions.get(decodeURIComponent(r.url.split('?')[0].replace(/^\/v2\//, '')));
    return found && r.method === 'GET' ? { status: 200, body: found } : { status: 404, body: { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } } };
  });
  const executionsClientOptions = { fallback: true, apiEndpoint: '127.0.0.1', port: runApi.port, protocol: 'http', authClient: new StaticGoogleAuth('run-token') } as never;
  registerGcpFunctions({ upload: 'onUploadR', api: 'apiR', reconcile: 'reconcileTest' }, unused, unused, () =>
    gcpReconcileDepsFromEnv({ ...ENV, FHIR_BASE_URL: fhirBase }, { executionsClientOptions }),
  );
  registerGcpFunctions({ upload: 'onUploadR2', api: 'apiR2', reconcile: 'reconcileNoFhir' }, unused, unused, () => gcpReconcileDepsFromEnv(ENV));
  registerGcpFunctions({ upload: 'onUploadR3', api: 'apiR3', reconcile: 'reconcileBad' }, unused, unused, () => gcpReconcileDepsFromEnv({ ADNI_GCS_BUCKET: 'Bad Bucket', FHIR_BASE_URL: fhirBase }));
  for (const name of ['reconcileTest', 'reconcileNoFhir', 'reconcileBad']) urls[name] = await listen(name);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await runApi?.close();
  await new Promise<void>((resolve) => (fhirServer ? fhirServer.close(() => resolve()) : resolve()));
});

const fire = (name: string) => fetch(urls[name], { method: delivery.method, headers: delivery.headers });

describe('GCP job reconciler (Cloud Scheduler → http function in the real Functions Framework; FHIR and Cloud Run on loopback)', () => {
  it('one call fails the Task of a vanished execution and of a failed one, and leaves a running job alone', async () => {
    // Prepare: three open Tasks written by the product's FHIR status sink 30 / 30 / 3 minutes ago.
    const sink = new FhirStatusSink({ store: fhir.store });
    const ago = (m: number) => new Date(Date.now() - m * 60_000);
    await sink.update({ job: request('GC-ORPHAN'), jobId: execution('preprocess-orphan'), status: 'in-progress', at: ago(30) });
    await sink.update({ job: request('GC-RUNNING'), jobId: execution('preprocess-running'), status: 'in-progress', at: ago(30) });
    await sink.update({ job: request('GC-FAILED'), jobId: execution('preprocess-failed'), status: 'requested', at: ago(3) });
    executions.set(execution('preprocess-running'), { name: execution('preprocess-running'), runningCount: 1 });
    executions.set(execution('preprocess-failed'), {
      name: execution('preprocess-failed'),
      failedCount: 1,
      conditions: [{ type: 'Completed', state: 'CONDITION_FAILED', message: 'Task adni-preprocess-x-0 failed: the container was terminated (out of memory)' }],
    });
    runApi.requests.length = 0;
    // Act
    const response = await fire('reconcileTest');
    // Assess: counts only in the answer.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'reconciled', checked: 3, failed: 2, unchanged: 1, unreadable: 0 });
    const tasks = new Map((await fhir.store.search<Task>('Task', 'code=preprocess-session')).map((t) => [taskFacts(t).jobId, taskFacts(t)]));
    expect(tasks.get(execution('preprocess-orphan'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^the job disappeared from the cloud without reporting/) });
    expect(tasks.get(execution('preprocess-failed'))).toMatchObject({ status: 'failed', reason: 'the preprocessing job failed: Task adni-preprocess-x-0 failed: the container was terminated (out of memory)' });
    expect(tasks.get(execution('preprocess-running'))?.status).toBe('in-progress');
    expect(runApi.requests.map((r) => decodeURIComponent(r.url.split('?')[0])).sort()).toEqual(['failed', 'orphan', 'running'].map((n) => `/v2/${execution(`preprocess-${n}`)}`));
    for (const r of runApi.requests) expect(r.headers.authorization).toBe('Bearer run-token');
    // A second call (the next tick) finds only the running job open.
    expect(await (await fire('reconcileTest')).json()).toEqual({ outcome: 'reconciled', checked: 1, failed: 0, unchanged: 1, unreadable: 0 });
  });

  it.each([
    ['projects/adni-progression-dev/locations/europe-west4/operations/op-1'],
    ['adni-3f1c9a0b2d-0123456789ab'],
  ])('a job id that is no execution name (%s) is unreadable, never read as a vanished execution', (jobId) => {
    expect(() => executionName(jobId)).toThrow('the job id is not a Cloud Run execution name');
    expect(executionName(execution('x'))).toBe(execution('x'));
  });

  it('answers 405 to anything but POST', async () => {
    const response = await fetch(urls.reconcileTest);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('without FHIR_BASE_URL the call is acknowledged as skipped, naming the setting', async () => {
    const response = await fire('reconcileNoFhir');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'skipped', reason: expect.stringContaining('FHIR_BASE_URL is not set') });
  });

  it('a bad environment answers 500 misconfigured (Cloud Scheduler records the failed attempt), without the value', async () => {
    const logger = new MemoryLogger();
    const { createGcpReconcileHandler } = await import('./job-reconciler.js');
    const handler = createGcpReconcileHandler(() => gcpReconcileDepsFromEnv({ ADNI_GCS_BUCKET: 'Bad Bucket' }), logger);
    const res = { statusCode: 0, body: undefined as unknown, status(code: number) { this.statusCode = code; return this; }, json(b: unknown) { this.body = b; return this; } };
    await handler({ method: 'POST', get: () => undefined } as never, res as never);
    expect(res).toMatchObject({ statusCode: 500, body: { error: { code: 'misconfigured' } } });
    expect(logger.text()).toContain('ADNI_GCS_BUCKET');
    expect(logger.text()).not.toContain('Bad Bucket');
    const served = await fire('reconcileBad');
    expect(served.status).toBe(500);
  });
});
