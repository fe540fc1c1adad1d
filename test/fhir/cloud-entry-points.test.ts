import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../shared/api/app.js';
import { createApiApp } from '../../shared/api/app.js';
import { httpApiDepsFromEnv } from '../../functions/aws/http-api.js';
import { azureHttpDepsFromEnv } from '../../functions/azure/http-api.js';
import { gcpHttpDepsFromEnv } from '../../functions/gcp/http-api.js';
import { recordingServer } from './loopback.js';
import { withFhirStatusFromEnv } from '../../shared/fhir/status-from-env.js';
import type { JobStatusUpdate, StatusSink } from '../../shared/ports/status-sink.js';

type Server = Awaited<ReturnType<typeof recordingServer>>;

const ENTRY_POINTS: [string, (env: Record<string, string>) => ApiDeps | Promise<ApiDeps>, Record<string, string>][] = [
  ['AWS', (env) => httpApiDepsFromEnv(env), { ADNI_RAW_BUCKET: 'adni-raw', ADNI_PREPROCESSED_BUCKET: 'adni-preprocessed' }],
  ['Azure', (env) => azureHttpDepsFromEnv(env), { ADNI_UPLOAD_CONTAINER: 'uploads', ADNI_STORAGE_ACCOUNT_URL: 'https://adni.blob.core.windows.net' }],
  ['GCP', (env) => gcpHttpDepsFromEnv(env), { ADNI_GCS_BUCKET: 'adni-raw' }],
];

/**
 * Each cloud's HTTP entry point reads patient records from the FHIR server of FHIR_BASE_URL (a loopback server
 * answering an empty search here), and answers 501 without one.
 */
describe('cloud HTTP entry points and FHIR_BASE_URL', () => {
  let fhir: Server;
  beforeAll(async () => {
    fhir = await recordingServer((request) =>
      request.method === 'POST'
        ? { status: 200, body: { resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201' } }, { response: { status: '201' } }, { response: { status: '201' } }] } }
        : { status: 200, body: { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] } },
    );
  });
  afterAll(async () => {
    await fhir?.close();
  });

  it.each(ENTRY_POINTS)('%s: GET /preprocessing-status asks FHIR for the patient and answers 404 for an unknown one', async (_cloud, depsFromEnv, env) => {
    // Prepare
    const app = createApiApp(await depsFromEnv({ ...env, FHIR_BASE_URL: `${fhir.url}/fhir/R4`, FHIR_AUTH: 'none' }));
    const before = fhir.requests.length;
    // Act
    const response = await app.request('/preprocessing-status/002_S_0295');
    // Assess
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('patient_not_found');
    const asked = fhir.requests.slice(before).map((r) => decodeURIComponent(r.url));
    expect(asked).toEqual([expect.stringMatching(/^\/fhir\/R4\/Patient\?identifier=https:\/\/.*\/sid\/patient-id\|002_S_0295/)]);
  });

  it.each(ENTRY_POINTS)('%s: without FHIR_BASE_URL the patient routes answer 501', async (_cloud, depsFromEnv, env) => {
    const app = createApiApp(await depsFromEnv(env));
    const response = await app.request('/patient-timeline/002_S_0295');
    expect(response.status).toBe(501);
  });

  it.each(ENTRY_POINTS)('%s: a bad FHIR_AUTH stops the start with the variable named', async (_cloud, depsFromEnv, env) => {
    await expect(Promise.resolve().then(() => depsFromEnv({ ...env, FHIR_BASE_URL: `${fhir.url}/fhir/R4`, FHIR_AUTH: 'basic' }))).rejects.toThrow(/FHIR_AUTH/);
  });

  it('the upload triggers\' status goes to FHIR as well when FHIR_BASE_URL is set, and only to their own sink otherwise', async () => {
    // Prepare
    const seen: string[] = [];
    const own: StatusSink = { update: async (u) => void seen.push(u.status) };
    const update: JobStatusUpdate = {
      job: { patientId: 'P1', sessionDate: '2024-01-01', fingerprint: '0123456789abcdef', jobName: 'j', inputBucket: 'raw', mriKey: 'm', petKey: 'p', outputBucket: 'out', outputPrefix: 'preprocessed/P1/2024-01-01/' },
      status: 'requested',
      at: new Date('2024-01-01T00:00:00Z'),
    };
    const before = fhir.requests.length;
    // Act
    await withFhirStatusFromEnv(own, {}).update(update);
    const withoutFhir = fhir.requests.length - before;
    await withFhirStatusFromEnv(own, { FHIR_BASE_URL: `${fhir.url}/fhir/R4` }).update(update);
    // Assess
    expect(seen).toEqual(['requested', 'requested']);
    expect(withoutFhir).toBe(0);
    const sent = fhir.requests.slice(before);
    expect(sent.map((r) => r.method)).toEqual(['GET', 'POST']); // the Task lookup, then the transaction
    expect(JSON.parse(sent[1].body)).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
  });

  it('a server that never confirms the Task was created makes the status write fail after a few attempts, not loop', async () => {
    // Prepare: every search is empty and every transaction answers without entry statuses
    const odd = await recordingServer(() => ({ status: 200, body: { resourceType: 'Bundle', type: 'searchset', entry: [] } }));
    const update: JobStatusUpdate = {
      job: { patientId: 'P1', sessionDate: '2024-01-01', fingerprint: '0123456789abcdef', jobName: 'j', inputBucket: 'raw', mriKey: 'm', petKey: 'p', outputBucket: 'out', outputPrefix: 'preprocessed/P1/2024-01-01/' },
      status: 'requested',
      at: new Date('2024-01-01T00:00:00Z'),
    };
    try {
      // Act + Assess
      await expect(withFhirStatusFromEnv({ update: async () => undefined }, { FHIR_BASE_URL: `${odd.url}/fhir/R4` }).update(update)).rejects.toThrow(/kept changing \(5 attempts\)/);
      expect(odd.requests.filter((r) => r.method === 'POST')).toHaveLength(5);
    } finally {
      await odd.close();
    }
  });
});
