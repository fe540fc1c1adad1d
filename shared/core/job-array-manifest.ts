import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JobArrayManifestRef, PreprocessJobRequest } from '../ports/job-submitter.js';
import { JobEnvironmentSchema, jobEnvironment } from './job-contract.js';

/**
 * Environment variable that points an array child at its manifest: `{bucket}/{key}` (S3 style, an optional
 * `scheme://` in front is accepted). The child's index comes from the platform ({@link ARRAY_INDEX_VARIABLE}).
 */
export const MANIFEST_VARIABLE = 'ADNI_JOB_MANIFEST';
/** What AWS Batch sets in every child of an array job: its index, 0..size-1. */
export const ARRAY_INDEX_VARIABLE = 'AWS_BATCH_JOB_ARRAY_INDEX';

/** AWS Batch's array size limits (2..10 000 children); one request is submitted as a plain job. */
export const MAX_ARRAY_SIZE = 10_000;
export const MIN_ARRAY_SIZE = 2;

/** Manifest ids name both the object and the array job: Batch job names allow 128 of [A-Za-z0-9_-]. */
export const JobArrayIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'array id must be 1-100 characters of A-Z a-z 0-9 _ -');

const MANIFEST_KEY = /^jobs\/arrays\/([A-Za-z0-9_-]{1,100})\.json$/;

/**
 * `jobs/arrays/{id}.json` in the upload store: for each array index, the full job environment the single-job path
 * would have sent (`jobEnvironment(request)`), so a child runs exactly as a single job would.
 */
export const JobArrayManifestSchema = z.strictObject({
  version: z.literal(1),
  id: JobArrayIdSchema,
  createdAt: z.iso.datetime(),
  jobs: z.array(JobEnvironmentSchema).min(MIN_ARRAY_SIZE).max(MAX_ARRAY_SIZE),
});
export type JobArrayManifest = z.infer<typeof JobArrayManifestSchema>;

/**
 * The store key of an array's manifest.
 *
 * @example
 * jobArrayManifestKey('20240301T101500Z-1a2b3c4d') // 'jobs/arrays/20240301T101500Z-1a2b3c4d.json'
 */
export function jobArrayManifestKey(id: string): string {
  return `jobs/arrays/${JobArrayIdSchema.parse(id)}.json`;
}

/**
 * A new array id: sortable by time, unique by 8 random hex characters, free of PHI (it shows in job names).
 *
 * @example
 * newJobArrayId(new Date('2024-03-01T10:15:00Z')) // '20240301T101500Z-1a2b3c4d'
 */
export function newJobArrayId(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * The manifest for `requests`, entry `i` being request `i`'s job environment.
 *
 * @example
 * const manifest = jobArrayManifest('20240301T101500Z-1a2b3c4d', requests, new Date());
 * await store.put(jobArrayManifestKey(manifest.id), JSON.stringify(manifest), { contentType: 'application/json' });
 */
export function jobArrayManifest(id: string, requests: PreprocessJobRequest[], createdAt: Date): JobArrayManifest {
  return JobArrayManifestSchema.parse({ version: 1, id, createdAt: createdAt.toISOString(), jobs: requests.map(jobEnvironment) });
}

/**
 * Parses `ADNI_JOB_MANIFEST` (`bucket/jobs/arrays/{id}.json`, optionally `s3://…`) into bucket and key; throws a
 * readable error naming the variable, never its value beyond the shape.
 *
 * @example
 * parseManifestRef('adni-raw/jobs/arrays/20240301T101500Z-1a2b3c4d.json') // { bucket: 'adni-raw', key: 'jobs/arrays/…' }
 */
export function parseManifestRef(value: string): JobArrayManifestRef {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/]+)\/(.+)$/.exec(value);
  if (!match || !MANIFEST_KEY.test(match[2])) throw new Error(`${MANIFEST_VARIABLE} must be {bucket}/jobs/arrays/{id}.json`);
  return { bucket: match[1], key: match[2] };
}

/**
 * The value of `ADNI_JOB_MANIFEST` for a manifest (the inverse of {@link parseManifestRef}).
 *
 * @example
 * manifestRefValue({ bucket: 'adni-raw', key: 'jobs/arrays/x.json' }) // 'adni-raw/jobs/arrays/x.json'
 */
export function manifestRefValue(ref: JobArrayManifestRef): string {
  return `${ref.bucket}/${ref.key}`;
}

/** The array id of a manifest key (`jobs/arrays/{id}.json` → `{id}`). */
export function jobArrayIdOf(key: string): string {
  const match = MANIFEST_KEY.exec(key);
  if (!match) throw new Error('a job array manifest key must be jobs/arrays/{id}.json');
  return match[1];
}

/**
 * Entry `index` of a stored manifest, validated: the job environment child `index` runs with. Errors name the
 * problem (bad JSON, schema paths, index out of range) but no value from the manifest (it holds patient ids).
 *
 * @example
 * const env = jobArrayEntry(await store.get(ref.key), process.env.AWS_BATCH_JOB_ARRAY_INDEX);
 */
export function jobArrayEntry(body: Uint8Array | string, indexText: string | undefined): Record<string, string> {
  const index = Number(indexText);
  if (indexText === undefined || !/^\d+$/.test(indexText) || !Number.isSafeInteger(index)) {
    throw new Error(`${ARRAY_INDEX_VARIABLE} must be a non-negative integer`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch {
    throw new Error('job array manifest is not JSON');
  }
  const parsed = JobArrayManifestSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid job array manifest: ${detail}`);
  }
  const jobs = parsed.data.jobs;
  if (index >= jobs.length) throw new Error(`${ARRAY_INDEX_VARIABLE} ${index} is out of range: the manifest lists ${jobs.length} jobs`);
  // The schema strips nothing the contract needs and drops undefined optionals: every value is a string.
  return Object.fromEntries(Object.entries(jobs[index]).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
