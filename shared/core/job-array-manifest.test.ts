import { describe, expect, it } from 'vitest';
import { preprocessedPrefix, rawKey } from '../domain/session-key.js';
import type { PreprocessJobRequest } from '../ports/job-submitter.js';
import { jobArrayEntry, jobArrayIdOf, jobArrayManifest, jobArrayManifestKey, manifestRefValue, newJobArrayId, parseManifestRef } from './job-array-manifest.js';
import { jobEnvironment, jobName } from './job-contract.js';

const request = (patientId: string, fingerprint: string): PreprocessJobRequest => {
  const session = { patientId, sessionDate: '2024-03-01' };
  return {
    ...session,
    fingerprint,
    jobName: jobName(patientId, session.sessionDate, fingerprint),
    inputBucket: 'adni-raw',
    mriKey: rawKey(session, 'mri'),
    petKey: rawKey(session, 'pet'),
    outputBucket: 'adni-out',
    outputPrefix: preprocessedPrefix(session),
  };
};
const requests = [request('P001', '0000000000000001'), request('P002', '0000000000000002'), request('P003', '0000000000000003')];
const manifestText = () => JSON.stringify(jobArrayManifest('20240301T101500Z-1a2b3c4d', requests, new Date('2024-03-01T10:15:00Z')));

describe('job array manifest', () => {
  it('entry i is request i’s job environment', () => {
    for (const i of [0, 1, 2]) expect(jobArrayEntry(manifestText(), String(i))).toEqual(jobEnvironment(requests[i]));
  });

  it.each([
    ['an index past the end', manifestText(), '3', /AWS_BATCH_JOB_ARRAY_INDEX 3 is out of range: the manifest lists 3 jobs/],
    ['a negative index', manifestText(), '-1', /must be a non-negative integer/],
    ['no index', manifestText(), undefined, /must be a non-negative integer/],
    ['a body that is not JSON', '{"version":1,', '0', /not JSON/],
    ['a job without the contract', JSON.stringify({ ...JSON.parse(manifestText()), jobs: [{ ADNI_PATIENT_ID: 'P001' }, {}] }), '0', /invalid job array manifest: jobs\.0\.ADNI_SESSION_DATE/],
    ['an unknown version', JSON.stringify({ ...JSON.parse(manifestText()), version: 2 }), '0', /invalid job array manifest: version/],
  ])('refuses %s, naming no patient', (_name, body, index, message) => {
    expect(() => jobArrayEntry(body, index)).toThrow(message);
    try {
      jobArrayEntry(body, index);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/P00\d/);
    }
  });

  it('refuses a manifest of one job (Batch arrays have 2 or more children)', () => {
    expect(() => jobArrayManifest('x', requests.slice(0, 1), new Date())).toThrow();
  });

  it('round-trips the ADNI_JOB_MANIFEST value, with or without a scheme, and refuses other keys', () => {
    const ref = { bucket: 'adni-raw', key: jobArrayManifestKey('20240301T101500Z-1a2b3c4d') };
    expect(parseManifestRef(manifestRefValue(ref))).toEqual(ref);
    expect(parseManifestRef(`s3://${manifestRefValue(ref)}`)).toEqual(ref);
    expect(jobArrayIdOf(ref.key)).toBe('20240301T101500Z-1a2b3c4d');
    for (const bad of ['adni-raw/raw/P001/2024-03-01/mri.nii.gz', 'jobs/arrays/x.json', 'adni-raw/jobs/arrays/../x.json', '']) {
      expect(() => parseManifestRef(bad)).toThrow('ADNI_JOB_MANIFEST must be {bucket}/jobs/arrays/{id}.json');
    }
  });

  it('new ids sort by time, differ, and fit a Batch job name', () => {
    const a = newJobArrayId(new Date('2024-03-01T10:15:00.123Z'));
    expect(a).toMatch(/^20240301T101500Z-[0-9a-f]{8}$/);
    expect(newJobArrayId(new Date('2024-03-01T10:15:00Z'))).not.toBe(a);
  });
});
