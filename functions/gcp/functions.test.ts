import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadPorts } from '../../shared/core/handle-upload.js';
import { systemClock } from '../../shared/ports/observability.js';
import { GcsObjectStore } from '../../providers/gcp/gcs-object-store.js';
import { shuffle } from '../../test/support/shuffle.js';
import { startFakeGcs, type FakeGcs } from '../../test/gcp/fake-gcs.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { gcpHttpDepsFromEnv } from './http-api.js';
import { registerGcpFunctions } from './register.js';
import { gcpUploadDepsFromEnv } from './upload-trigger.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/events/gcs/${name}.json`, import.meta.url), 'utf8'));

let gcs: FakeGcs;
let ports: UploadPorts & { jobs: RecordingJobSubmitter; logger: MemoryLogger; metrics: MemoryMetrics };
let uploadUrl: string;
let apiUrl: string;
let badApiUrl: string;
const servers: Server[] = [];

/** Runs a registered function in the real Functions Framework on a loopback port. */
async function serve(name: string): Promise<string> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  gcs = await startFakeGcs();
  gcs.createBucket('adni-uploads');
  // Only the job submitter is a recorder (Cloud Run Jobs has its own wire test); storage is the real SDK on the fake.
  // A throwaway service-account key so the SDK signs URLs locally (no metadata server lookup).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const credentials = { client_email: 'adni-fn@adni-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const storage = new Storage({ apiEndpoint: gcs.url, projectId: 'adni-test', credentials, retryOptions: { autoRetry: false } });
  const store = new GcsObjectStore({ storage, bucket: 'adni-uploads' });
  ports = { store, jobs: new RecordingJobSubmitter(), status: new RecordingStatusSink(), clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics() };
  registerGcpFunctions({ upload: 'onUploadTest', api: 'apiTest' }, () => ports, () => ({ store, logger: new MemoryLogger() }));
  registerGcpFunctions({ upload: 'onUploadMisconfigured', api: 'apiMisconfigured' }, () => gcpUploadDepsFromEnv({}), () => gcpHttpDepsFromEnv({ ADNI_GCS_BUCKET: 'Bad Bucket' }));
  uploadUrl = await serve('onUploadTest');
  apiUrl = await serve('apiTest');
  badApiUrl = await serve('apiMisconfigured');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await gcs?.close();
});

/** A binary-mode delivery (what Eventarc sends) of the finalized event for one object. */
function binaryDelivery(key: string, id: string) {
  const { headers, body } = structuredClone(fixture('finalized-binary'));
  headers['ce-id'] = id;
  headers['ce-subject'] = `objects/${key}`;
  body.name = key;
  return fetch(uploadUrl, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('GCP functions in the real Functions Framework (storage through the SDK on the GCS fake)', () => {
  it('binary, structured and legacy deliveries all reach the core: waiting, then one job', async () => {
    // Prepare
    const before = ports.jobs.submitted.length;
    await ports.store.put('raw/P001/2024-03-01/mri.nii.gz', 'mri');
    // Act: the MRI as a structured CloudEvent, then the PET binary, then the MRI again as a legacy event.
    const structured = await fetch(uploadUrl, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(fixture('finalized-structured')) });
    await ports.store.put('raw/P001/2024-03-01/pet.nii.gz', 'pet');
    const binary = await binaryDelivery('raw/P001/2024-03-01/pet.nii.gz', 'bin-1');
    const legacy = await fetch(uploadUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('legacy-finalize')) });
    // Assess
    expect([structured.status, binary.status, legacy.status]).toEqual([204, 204, 204]);
    expect(ports.jobs.submitted.length - before).toBe(1);
    expect(ports.metrics.counts.get('SessionsWaiting')).toBeGreaterThanOrEqual(1);
    expect(ports.metrics.counts.get('DuplicateEvents')).toBeGreaterThanOrEqual(1);
  });

  it('a deleted event is skipped with a logged reason and acknowledged (no redelivery)', async () => {
    const event = structuredClone(fixture('finalized-structured'));
    event.type = 'google.cloud.storage.object.v1.deleted';
    const response = await fetch(uploadUrl, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) });
    expect(response.status).toBe(204);
    expect(ports.logger.lines.some((l) => l.level === 'warn' && String(l.fields?.reason).includes('not an object finalized event'))).toBe(true);
  });

  it('event storm: 200 shuffled duplicate/out-of-order deliveries for 20 sessions submit exactly 20 jobs', async () => {
    // Prepare: 20 complete sessions in the fake, 10 deliveries each (both objects, 5 times), shuffled.
    const before = ports.jobs.submitted.length;
    const deliveries: { key: string; id: string }[] = [];
    for (let i = 0; i < 20; i++) {
      for (const modality of ['mri', 'pet']) {
        const key = `raw/S${i}/2024-06-01/${modality}.nii.gz`;
        await ports.store.put(key, `${modality}-${i}`);
        for (let copy = 0; copy < 5; copy++) deliveries.push({ key, id: `${i}-${modality}-${copy}` });
      }
    }
    shuffle(deliveries, 11);
    // Act: all at once through HTTP and the framework, so the ifGenerationMatch=0 claims really race.
    const responses = await Promise.all(deliveries.map((d) => binaryDelivery(d.key, d.id)));
    // Assess
    expect(deliveries).toHaveLength(200);
    expect(responses.every((r) => r.status === 204)).toBe(true);
    const submitted = ports.jobs.submitted.slice(before);
    expect(submitted).toHaveLength(20);
    expect(new Set(submitted.map((j) => j.patientId)).size).toBe(20);
    expect((await ports.store.list('jobs/S')).length).toBe(20);
  }, 120_000); // 200 HTTP deliveries: minutes on a loaded 2-core runner, seconds otherwise

  it('a failed submission answers 500 (Eventarc retries) and the retry submits', async () => {
    const jobs = ports.jobs;
    ports.jobs = new RecordingJobSubmitter(1);
    try {
      await ports.store.put('raw/P009/2024-03-01/mri.nii.gz', 'mri');
      await ports.store.put('raw/P009/2024-03-01/pet.nii.gz', 'pet');
      expect((await binaryDelivery('raw/P009/2024-03-01/pet.nii.gz', 'retry-1')).status).toBe(500);
      expect((await binaryDelivery('raw/P009/2024-03-01/pet.nii.gz', 'retry-1')).status).toBe(204);
      expect(ports.jobs.submitted).toHaveLength(1);
    } finally {
      ports.jobs = jobs;
    }
  });

  it('the http function serves the shared API with V4 signed upload URLs', async () => {
    const response = await fetch(`${apiUrl}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patient_id: 'P1', session_date: '2024-01-01' }) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as any;
    expect(new URL(body.uploads.mri.url).searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    const bad = await fetch(`${apiUrl}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"patient_id":"../x"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('invalid_request');
  });

  it('a misconfigured http function answers 500 in the error shape', async () => {
    const response = await fetch(`${badApiUrl}/health`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'misconfigured', message: 'the service is not configured correctly' } });
  });

  it('a misconfigured upload function fails the event (500) naming nothing secret, and is retried', async () => {
    const server = await serve('onUploadMisconfigured');
    const response = await fetch(server, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(fixture('finalized-structured')) });
    expect(response.status).toBe(500);
  });
});

describe('GCP API dependencies from the function environment (what the deploy plan sets)', () => {
  const base = { ADNI_GCS_BUCKET: 'adni-progression-raw-ci' };
  const upload = { ...base, ADNI_OUTPUT_BUCKET: 'adni-progression-preprocessed-ci', ADNI_GCP_PROJECT: 'adni-progression-dev', ADNI_GCP_REGION: 'europe-west4', ADNI_JOB_NAME: 'adni-progression-ci-preprocess' };

  it.each([
    ['raw bucket only: outputs beside the uploads, no job routes', base, undefined, false],
    ['the upload environment: outputs from the preprocessed bucket, reprocess/backfill submit', upload, 'adni-progression-preprocessed-ci', true],
  ])('%s', async (_name, env, outputBucket, jobs) => {
    // Act
    const deps = await gcpHttpDepsFromEnv(env);
    // Assess
    expect((deps.outputs as GcsObjectStore | undefined)?.bucket).toBe(outputBucket);
    expect(deps.jobs !== undefined).toBe(jobs);
  });

  it('a job name without the rest of the job settings fails the cold start naming them', async () => {
    await expect(gcpHttpDepsFromEnv({ ...base, ADNI_JOB_NAME: 'adni-progression-ci-preprocess' })).rejects.toThrow(/ADNI_GCP_PROJECT/);
  });
});
