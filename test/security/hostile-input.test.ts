/**
 * Issue 8, hostile input: every file of the generated corpus (test/security/hostile-nifti/corpus.ts)
 * through the entry points users hit: `preprocess()` (what `adni preprocess` and the batch image run),
 * the batch job (`runJob` with the image's own pipeline step) and a few through the `adni preprocess`
 * child process. Each must end in one clear, specific refusal, leave no output behind and settle well
 * within a per-case timeout (a hang guard, not a speed claim). Unhandled errors fail the run (vitest).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPreprocessing } from '../../batch-image/src/pipeline-step.js';
import { runJob } from '../../batch-image/src/run-job.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import { isPipelineInputError, readNifti } from '../../shared/pipeline/io/index.js';
import { preprocess } from '../../shared/pipeline/preprocess.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { writeTinySession, type TinySession } from '../pipeline/support/tiny-session.js';
import { MemoryLogger, RecordingStatusSink } from '../support/recorders.js';
import { acceptedEdgeCases, hostileCorpus, NIFTI1_FIELDS, type HostileCase } from './hostile-nifti/corpus.js';

const exec = promisify(execFile);
const corpus = hostileCorpus();
/** Per-case hang guard: generous for a loaded 2-core CI machine; a case takes well under a second. */
const CASE_TIMEOUT_MS = 30_000;

let work: string;
let session: TinySession;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'adni-hostile-'));
  session = await writeTinySession(join(work, 'session'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fresh folder holding only the bad file; `out` (not created) is where outputs would go. */
async function caseDir(c: HostileCase): Promise<{ parent: string; bad: string; out: string }> {
  const parent = join(work, `run-${n++}`);
  await mkdir(parent);
  const bad = join(parent, `${c.name}${c.ext}`);
  await writeFile(bad, c.bytes());
  return { parent, bad, out: join(parent, 'out') };
}

const table = corpus.map((c) => [c.name, c] as const);

describe('the corpus', () => {
  test('holds at least 30 distinct cases, including a cut at every listed header field', () => {
    // Prepare
    const names = corpus.map((c) => c.name);
    // Act
    const cuts = corpus.filter((c) => c.group === 'truncation');
    // Assess
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(names).size).toBe(names.length);
    expect(cuts.length).toBeGreaterThanOrEqual(NIFTI1_FIELDS.length);
    for (const group of ['container', 'header', 'size', 'spacing', 'orientation', 'data', 'dimensionality', 'nifti-2']) {
      expect(corpus.some((c) => c.group === group)).toBe(true);
    }
  });

  test.each(acceptedEdgeCases().map((c) => [c.name, c] as const))('valid edge case %s is still read', async (_name, c) => {
    // Prepare
    const file = join(work, `ok-${c.name}${c.ext}`);
    await writeFile(file, c.bytes());
    // Act
    const result = await readNifti(file, { expect: 't1' });
    // Assess
    expect(result.image.size).toEqual([32, 32, 32]);
    expect(Array.from(result.image.data as Float32Array).every(Number.isFinite)).toBe(true);
  }, CASE_TIMEOUT_MS);
});

describe('preprocess(): one typed, specific error per case and nothing written', () => {
  test.each(table)('%s', async (_name, c) => {
    // Prepare
    const { parent, bad, out } = await caseDir(c);
    const label = c.role === 'mri' ? 'T1' : 'PET';
    // Act
    const error = await preprocess({
      mriPath: c.role === 'mri' ? bad : session.mri,
      petPath: c.role === 'pet' ? bad : session.pet,
      outDir: out,
      templateDir: session.templateDir,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess
    expect(isPipelineInputError(error), `${c.name} gave ${String(error)}`).toBe(true);
    const e = error as Error & { code: string };
    expect(e.code).toBe(c.code);
    expect(e.message).toMatch(c.message);
    expect(e.message.startsWith(label), e.message).toBe(true);
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toContain(parent);
    expect(await readdir(parent)).toEqual([`${c.name}${c.ext}`]);
  }, CASE_TIMEOUT_MS);
});

const request = (session: { patientId: string; sessionDate: string }): PreprocessJobRequest => ({
  ...session,
  jobName: 'adni-hostile-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'local',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'local',
  outputPrefix: preprocessedPrefix(session),
});

/** A job over a store holding the bad file in place of one input; the image's own pipeline step. */
const SESSION = { patientId: 'P1', sessionDate: '2024-01-01' };

async function batchJob(c: HostileCase, env: NodeJS.ProcessEnv) {
  const req = request(SESSION);
  const store = new FsObjectStore({ root: await mkdtemp(join(work, 'store-')) });
  const { readFile } = await import('node:fs/promises');
  await store.put(req.mriKey, c.role === 'mri' ? c.bytes() : await readFile(session.mri));
  await store.put(req.petKey, c.role === 'pet' ? c.bytes() : await readFile(session.pet));
  const tempRoot = await mkdtemp(join(work, 'jobtmp-'));
  const status = new RecordingStatusSink();
  const run = () =>
    runJob({ request: req, inputStore: store, outputStore: store, status, logger: new MemoryLogger(), tempRoot, jobId: 'j1', preprocess: (input) => runPreprocessing({ ...input, env }) });
  return { store, status, tempRoot, run };
}

describe('batch job: failed with the reason, nothing but its two inputs in the store, temp dir removed', () => {
  test.each(table)('%s', async (_name, c) => {
    // Prepare: the cheap pipeline mode unless only the full reader can see the fault.
    const env = c.decodeOnly ? { ADNI_TEMPLATE_DIR: session.templateDir } : { ADNI_PIPELINE: 'validate-only' };
    const { store, status, tempRoot, run } = await batchJob(c, env);
    // Act
    const result = await run();
    // Assess
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toMatch(c.batchMessage ?? c.message);
    expect(reason).toMatch(c.role === 'mri' ? /^MRI\b/ : /^PET\b/);
    expect(reason).not.toMatch(/\n\s+at /);
    expect(status.updates.map((u) => u.status)).toEqual(['in-progress', 'failed']);
    expect((await store.list('')).map((o) => o.key).sort()).toEqual([rawKey(SESSION, 'mri'), rawKey(SESSION, 'pet')].sort());
    expect(await readdir(tempRoot)).toEqual([]);
  }, CASE_TIMEOUT_MS);

  test('the decompression limit applies before any heavy work: a bomb fails even with no template to load', async () => {
    // Prepare: full pipeline mode, but the template folder does not exist.
    const bomb = corpus.find((c) => c.name === 'gzip-bomb')!;
    const { store, run } = await batchJob(bomb, { ADNI_TEMPLATE_DIR: join(work, 'no-such-bundle') });
    // Act
    const result = await run();
    // Assess
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^PET: inflates past \d+ bytes, more than its header accounts for/) });
    expect(await store.list('preprocessed/')).toEqual([]);
  }, CASE_TIMEOUT_MS);

  test('an input object larger than the input limit is refused from its size, before it is fetched', async () => {
    // Prepare
    const base = corpus.find((c) => c.name === 'gzip-bomb')!;
    const { store, status, tempRoot } = await batchJob({ ...base, role: 'mri', bytes: () => Buffer.alloc(4096, 1) }, { ADNI_PIPELINE: 'validate-only' });
    const fetched: string[] = [];
    const spy = Object.assign(Object.create(store) as FsObjectStore, { get: (key: string) => (fetched.push(key), store.get(key)) });
    const req = request(SESSION);
    // Act
    const result = await runJob({ request: req, inputStore: spy, outputStore: store, status, logger: new MemoryLogger(), tempRoot, maxInputBytes: 2048 });
    // Assess
    expect(result).toEqual({ ok: false, reason: 'MRI input is 4096 bytes, above the 2048-byte input limit' });
    expect(fetched).toEqual([]);
    expect(await store.list('preprocessed/')).toEqual([]);
  });
});

describe('adni preprocess (CLI child process): exit 1, one line, no outputs', () => {
  const picked = ['gzip-bomb', 't1-4d', 'sform-huge-voxel'].map((name) => corpus.find((c) => c.name === name)!);
  test.concurrent.each(picked.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    // Prepare
    const { parent, bad, out } = await caseDir(c);
    const args = ['bin/adni.mjs', 'preprocess', '--mri', c.role === 'mri' ? bad : session.mri, '--pet', c.role === 'pet' ? bad : session.pet, '--out', out, '--template-dir', session.templateDir];
    // Act
    const r = await exec(process.execPath, args, { cwd: process.cwd() }).then(
      (ok) => ({ code: 0, ...ok }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    // Assess
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('adni:'));
    expect(line).toMatch(new RegExp(`^adni: ${c.role === 'mri' ? 'T1' : 'PET'}\\b.*${c.message.source}`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(await readdir(parent)).toEqual([`${c.name}${c.ext}`]);
  }, 90_000);
});
