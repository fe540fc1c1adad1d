import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../shared/api/app.js';
import { createApiApp } from '../../shared/api/app.js';
import { httpApiDepsFromEnv } from '../../functions/aws/http-api.js';
import { azureHttpDepsFromEnv } from '../../functions/azure/http-api.js';
import { gcpHttpDepsFromEnv } from '../../functions/gcp/http-api.js';
import { recordingServer } from './loopback.js';

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
    fhir = await recordingServer(() => ({ status: 200, body: { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] } }));
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
});
