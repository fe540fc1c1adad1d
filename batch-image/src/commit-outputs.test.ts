import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { DONE_FILE, StagingIncompleteError, commitLockKey, commitOrder, commitStagedOutputs, deleteStaleStaging, newAttemptId, stagingPrefix, withCommitLock } from './commit-outputs.js';
import { runPreprocessing } from './pipeline-step.js';
import { runJob } from './run-job.js';

const session = { patientId: 'P5', sessionDate: '2024-04-04' };
const FINAL = preprocessedPrefix(session);
const request: PreprocessJobRequest = {
  ...session,
  jobName: 'adni-test-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'local',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'local',
  outputPrefix: FINAL,
};
const VALIDATE_ONLY_FILES = ['mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json'];

/** Every write and delete a store receives, in order (`put key`, `copy from -> to`, `delete key`). */
function recording(inner: ObjectStore, options: { failCopyOf?: string; withoutCopy?: boolean } = {}) {
  const ops: string[] = [];
  const store: ObjectStore = {
    bucket: inner.bucket,
    head: (key) => inner.head(key),
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    putIfAbsent: (key, body, o) => inner.putIfAbsent(key, body, o),
    presignPut: (key, o) => inner.presignPut(key, o),
    presignGet: (key, o) => inner.presignGet(key, o),
    async put(key, body, o) {
      ops.push(`put ${key}`);
      return inner.put(key, body, o);
    },
    async delete(key) {
      ops.push(`delete ${key}`);
      return inner.delete(key);
    },
  };
  if (!options.withoutCopy) {
    store.copy = async (from, to) => {
      // A job killed in the middle of its commit: this copy and everything after it never happen.
      if (options.failCopyOf && to.endsWith(`/${options.failCopyOf}`)) throw new Error('container lost (simulated)');
      ops.push(`copy ${from} -> ${to}`);
      return inner.copy!(from, to);
    };
  }
  /** Final keys written (by put or copy), in order. */
  const finalWrites = () =>
    ops.flatMap((op) => {
      const target = op.startsWith('copy ') ? op.split(' -> ')[1] : op.startsWith('put ') ? op.slice(4) : undefined;
      return target?.startsWith(FINAL) ? [target.slice(FINAL.length)] : [];
    });
  return { store, ops, finalWrites };
}

async function setup() {
  const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-commit-store-')) });
  await fs.put(request.mriKey, tinyNiftiGz({ seed: 1 }));
  await fs.put(request.petKey, tinyNiftiGz({ seed: 2 }));
  const tempRoot = await mkdtemp(path.join(tmpdir(), 'adni-commit-tmp-'));
  const preprocess: Parameters<typeof runJob>[0]['preprocess'] = (input) => runPreprocessing({ ...input, env: { ADNI_PIPELINE: 'validate-only' } });
  const run = (store: ObjectStore, extra: Partial<Parameters<typeof runJob>[0]> = {}) => {
    const status = new RecordingStatusSink();
    const result = runJob({ request, inputStore: fs, outputStore: store, status, logger: new MemoryLogger(), tempRoot, preprocess, ...extra });
    return { status, result };
  };
  const keys = async (prefix: string) => (await fs.list(prefix)).map((h) => h.key.slice(prefix.length)).sort();
  return { fs, run, keys, tempRoot };
}

describe('staged outputs, then a commit', () => {
  it('the job stages under staging/{p}/{s}/{fingerprint}-{attempt}/ and commits with roi_features.json last', async () => {
    // Prepare
    const { fs, run, keys } = await setup();
    const rec = recording(fs);
    // Act
    const { result, status } = run(rec.store, { attemptId: 'a1' });
    const outcome = await result;
    // Assess
    expect(outcome.ok).toBe(true);
    const staging = 'staging/P5/2024-04-04/0123456789abcdef-a1/';
    expect(rec.ops.filter((op) => op.startsWith('put ')).map((op) => op.slice(4)).sort()).toEqual(VALIDATE_ONLY_FILES.map((f) => `${staging}${f}`));
    expect(rec.finalWrites().at(-1)).toBe(DONE_FILE);
    expect(rec.finalWrites().sort()).toEqual(VALIDATE_ONLY_FILES);
    // Every staged file was written before the first final write: nothing final exists until all of it is staged.
    const lastStage = rec.ops.findLastIndex((op) => op.startsWith(`put ${staging}`));
    const firstFinal = rec.ops.findIndex((op) => op.includes(`-> ${FINAL}`));
    expect(lastStage).toBeLessThan(firstFinal);
    expect(await keys(FINAL)).toEqual(VALIDATE_ONLY_FILES);
    expect(await fs.list('staging/')).toEqual([]);
    expect(status.updates.at(-1)).toMatchObject({ status: 'completed', outputs: { roi_features: `${FINAL}roi_features.json` } });
  });

  it('a job killed between staging and commit leaves nothing under the final prefix; the retry commits a complete set of its own', async () => {
    // Prepare: attempt 1 stages everything, then its container dies (it never continues past beforeCommit).
    const { fs, run, keys } = await setup();
    let frozen!: (staging: string) => void;
    const reachedCommit = new Promise<string>((resolve) => (frozen = resolve));
    const dead = run(fs, { attemptId: 'dead', beforeCommit: (staging) => new Promise<void>(() => frozen(staging)) });
    const deadStaging = await reachedCommit;
    const finalAfterKill = await keys(FINAL);
    // Act: the platform's retry (a new attempt id).
    const rec = recording(fs);
    const retry = await run(rec.store, { attemptId: 'retry' }).result;
    // Assess
    expect(finalAfterKill).toEqual([]);
    expect(await keys(deadStaging)).toEqual(VALIDATE_ONLY_FILES);
    expect(retry.ok).toBe(true);
    expect(await keys(FINAL)).toEqual(VALIDATE_ONLY_FILES);
    expect(rec.ops.filter((op) => op.startsWith('copy ')).every((op) => op.startsWith('copy staging/P5/2024-04-04/0123456789abcdef-retry/'))).toBe(true);
    expect(rec.finalWrites().at(-1)).toBe(DONE_FILE);
    // The dead attempt's staging area is left (a SIGKILLed job cleans nothing): the lifecycle rule expires it.
    expect(await keys(deadStaging)).toEqual(VALIDATE_ONLY_FILES);
    void dead.result;
  });

  it('a job killed in the middle of its commit leaves no roi_features.json; the retry replaces every file', async () => {
    // Prepare: attempt 1 dies on its third copy (two files already final, the done file not).
    const { fs, run, keys } = await setup();
    const dying = recording(fs, { failCopyOf: DONE_FILE });
    const first = await run(dying.store, { attemptId: 'first' }).result;
    const afterDeath = await keys(FINAL);
    // Act
    const rec = recording(fs);
    const second = await run(rec.store, { attemptId: 'second' }).result;
    // Assess
    expect(first.ok).toBe(false);
    expect(afterDeath).not.toContain(DONE_FILE);
    expect(afterDeath.length).toBeGreaterThan(0);
    expect(second.ok).toBe(true);
    expect(await keys(FINAL)).toEqual(VALIDATE_ONLY_FILES);
    expect(rec.finalWrites().sort()).toEqual(VALIDATE_ONLY_FILES);
    expect(rec.finalWrites().at(-1)).toBe(DONE_FILE);
  });

  it('a failed attempt (bad input) removes its own staging area and writes nothing final', async () => {
    const { fs, run, keys } = await setup();
    await fs.put(request.petKey, 'not gzip');
    const outcome = await run(fs, { attemptId: 'bad' }).result;
    expect(outcome.ok).toBe(false);
    expect(await fs.list('staging/')).toEqual([]);
    expect(await keys(FINAL)).toEqual([]);
  });
});

describe('commitStagedOutputs', () => {
  async function staged(fs: FsObjectStore, staging: string, files: Record<string, string>) {
    for (const [name, body] of Object.entries(files)) await fs.put(`${staging}${name}`, body);
  }

  it('a new version: the old roi_features.json goes first, old-only files go, the new done file comes last', async () => {
    // Prepare: a complete earlier version with a file the new one does not produce.
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-commit-')) });
    await staged(fs, FINAL, { 'mri_brain.nii.gz': 'old', 'old_only.tsv': 'old', 'roi_features.json': '{"v":1}' });
    const staging = stagingPrefix(request, 'v2');
    await staged(fs, staging, { 'mri_brain.nii.gz': 'new', 'roi_features.json': '{"v":2}' });
    const rec = recording(fs);
    // Act
    const result = await commitStagedOutputs({ store: rec.store, staging, final: FINAL, names: ['roi_features.json', 'mri_brain.nii.gz'] });
    // Assess
    expect(rec.ops[0]).toBe(`delete ${FINAL}roi_features.json`);
    expect(rec.ops.indexOf(`delete ${FINAL}old_only.tsv`)).toBeLessThan(rec.ops.findIndex((op) => op.endsWith(`-> ${FINAL}roi_features.json`)));
    expect(rec.finalWrites()).toEqual(['mri_brain.nii.gz', 'roi_features.json']);
    expect(result).toMatchObject({ removed: [`${FINAL}old_only.tsv`], stagingCleaned: true });
    expect(new TextDecoder().decode(await fs.get(`${FINAL}roi_features.json`))).toBe('{"v":2}');
    expect((await fs.list(FINAL)).map((h) => h.key.slice(FINAL.length))).toEqual(['mri_brain.nii.gz', 'roi_features.json']);
  });

  it('is idempotent when run again from a staging area that was kept', async () => {
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-commit-')) });
    const staging = stagingPrefix(request, 'again');
    await staged(fs, staging, { 'a.nii.gz': 'a', 'roi_features.json': '{}' });
    const keep: ObjectStore = Object.assign(Object.create(fs) as FsObjectStore, { delete: async (key: string) => (key.startsWith('staging/') ? undefined : fs.delete(key)) });
    const once = await commitStagedOutputs({ store: keep, staging, final: FINAL, names: ['a.nii.gz', 'roi_features.json'] });
    const snapshot = await Promise.all((await fs.list(FINAL)).map(async (h) => [h.key, h.etag]));
    const twice = await commitStagedOutputs({ store: keep, staging, final: FINAL, names: ['a.nii.gz', 'roi_features.json'] });
    expect(twice.keys).toEqual(once.keys);
    expect(await Promise.all((await fs.list(FINAL)).map(async (h) => [h.key, h.etag]))).toEqual(snapshot);
  });

  it('stores without a server-side copy get + put, keeping the content type', async () => {
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-commit-')) });
    const staging = stagingPrefix(request, 'nocopy');
    await staged(fs, staging, { 'qc/index.html': '<p>', 'roi_features.json': '{}' });
    const rec = recording(fs, { withoutCopy: true });
    const puts: [string, string | undefined][] = [];
    const inner = rec.store.put.bind(rec.store);
    rec.store.put = async (key, body, o) => (puts.push([key, o?.contentType]), inner(key, body, o));
    await commitStagedOutputs({ store: rec.store, staging, final: FINAL, names: ['roi_features.json', 'qc/index.html'], contentTypes: { 'qc/index.html': 'text/html; charset=utf-8', 'roi_features.json': 'application/json' } });
    expect(puts).toEqual([
      [`${FINAL}qc/index.html`, 'text/html; charset=utf-8'],
      [`${FINAL}roi_features.json`, 'application/json'],
    ]);
  });

  it('a staged file that vanished fails the commit with the file name only (no patient id), before the done file', async () => {
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-commit-')) });
    const staging = stagingPrefix(request, 'gone');
    await staged(fs, staging, { 'roi_features.json': '{}' });
    const attempt = commitStagedOutputs({ store: fs, staging, final: FINAL, names: ['mri_brain.nii.gz', 'roi_features.json'] });
    await expect(attempt).rejects.toBeInstanceOf(StagingIncompleteError);
    await expect(attempt).rejects.toThrow(/^staged output mri_brain.nii.gz is missing/);
    await expect(attempt).rejects.not.toThrow(/P5/);
    expect(await fs.head(`${FINAL}roi_features.json`)).toBeUndefined();
  });

  it('helpers: commit order, attempt ids, staging prefix', () => {
    expect(commitOrder(['roi_features.json', 'a', 'qc/b.png'])).toEqual(['a', 'qc/b.png', 'roi_features.json']);
    expect(newAttemptId(new Date('2026-12-04T17:30:00.123Z'))).toMatch(/^20261204T173000Z-[0-9a-f]{8}$/);
    expect(newAttemptId()).not.toBe(newAttemptId());
    expect(stagingPrefix(request, 'x1')).toBe('staging/P5/2024-04-04/0123456789abcdef-x1/');
    expect(() => stagingPrefix(request, '../x')).toThrow(/attempt id/);
  });
});

it('the job temp dir is removed on every path (sanity for the staged flow)', async () => {
  const { fs, run, tempRoot } = await setup();
  await run(fs, { attemptId: 'tmp' }).result;
  expect(await readdir(tempRoot)).toEqual([]);
});

describe('withCommitLock: one commit per session at a time', () => {
  async function staged(fs: FsObjectStore, staging: string, files: Record<string, string>) {
    for (const [name, body] of Object.entries(files)) await fs.put(`${staging}${name}`, body);
  }
  const LOCK = commitLockKey(request);

  it('two versions committing at once never interleave: every final file comes from the version whose done file is there', async () => {
    // Prepare: two versions staged; copies are slowed so that, unguarded, their commits would overlap.
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-lock-')) });
    const names = ['a.nii.gz', 'b.nii.gz', 'c.nii.gz', 'roi_features.json'];
    const slow: ObjectStore = Object.assign(Object.create(fs) as FsObjectStore, {
      copy: async (from: string, to: string) => {
        await new Promise((resolve) => setTimeout(resolve, 15));
        return fs.copy(from, to);
      },
    });
    const versions = ['1111111111111111', '2222222222222222'];
    for (const v of versions) await staged(fs, stagingPrefix({ ...request, fingerprint: v }, 'x'), Object.fromEntries(names.map((n) => [n, v])));
    // Act
    await Promise.all(
      versions.map((v) =>
        withCommitLock(slow, LOCK, { fingerprint: v, attemptId: `x-${v}` }, () => commitStagedOutputs({ store: slow, staging: stagingPrefix({ ...request, fingerprint: v }, 'x'), final: FINAL, names }), { pollMs: 5 }),
      ),
    );
    // Assess
    const contents = await Promise.all(names.map(async (n) => new TextDecoder().decode(await fs.get(`${FINAL}${n}`))));
    expect(new Set(contents).size).toBe(1);
    expect(await fs.head(LOCK)).toBeUndefined();
  });

  it('a lock left by a killed attempt of the same version is taken over at once', async () => {
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-lock-')) });
    await fs.put(LOCK, JSON.stringify({ fingerprint: request.fingerprint, attemptId: 'dead', at: new Date().toISOString() }));
    const started = Date.now();
    const result = await withCommitLock(fs, LOCK, { fingerprint: request.fingerprint, attemptId: 'retry' }, async () => 'committed', { pollMs: 60_000 });
    expect(result).toBe('committed');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await fs.head(LOCK)).toBeUndefined();
  });

  it("another version's fresh lock is waited for; once stale it is taken over", async () => {
    // Prepare: a lock of another version, taken at t=0; the clock advances 1 minute per poll.
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-lock-')) });
    await fs.put(LOCK, JSON.stringify({ fingerprint: 'ffffffffffffffff', attemptId: 'other', at: new Date(0).toISOString() }));
    let clock = 0;
    let polls = 0;
    const now = () => clock;
    const store: ObjectStore = Object.assign(Object.create(fs) as FsObjectStore, {
      putIfAbsent: async (key: string, body: string) => {
        polls++;
        clock += 60_000;
        return fs.putIfAbsent(key, body);
      },
    });
    // Act
    await withCommitLock(store, LOCK, { fingerprint: request.fingerprint, attemptId: 'me' }, async () => undefined, { staleAfterMs: 5 * 60_000, pollMs: 1, now });
    // Assess: refused while under 5 minutes old, taken over after.
    expect(polls).toBeGreaterThanOrEqual(5);
    expect(polls).toBeLessThanOrEqual(7);
  });

  it('waiting stops when the job is stopped', async () => {
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-lock-')) });
    await fs.put(LOCK, JSON.stringify({ fingerprint: 'ffffffffffffffff', attemptId: 'other', at: new Date().toISOString() }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(withCommitLock(fs, LOCK, { fingerprint: request.fingerprint, attemptId: 'me' }, async () => 'never', { pollMs: 10, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(JSON.parse(new TextDecoder().decode(await fs.get(LOCK)))).toMatchObject({ attemptId: 'other' });
  });
});

describe('deleteStaleStaging (stores without a lifecycle rule)', () => {
  it('deletes staging objects older than the threshold and nothing else', async () => {
    // Prepare: a dead attempt's files and a live one's, plus final outputs, all written now.
    const fs = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-stale-')) });
    await fs.put('staging/P5/2024-04-04/0123456789abcdef-dead/mri_brain.nii.gz', 'x');
    await fs.put('staging/P5/2024-04-04/0123456789abcdef-dead/qc/index.html', 'x');
    await fs.put(`${FINAL}roi_features.json`, '{}');
    const later = Date.now() + 2 * 3600_000;
    // Act: two hours later, with a 3-hour threshold (nothing old enough), then a 1-hour one.
    const kept = await deleteStaleStaging(fs, { olderThanMs: 3 * 3600_000, now: later });
    const deleted = await deleteStaleStaging(fs, { olderThanMs: 3600_000, now: later });
    // Assess
    expect(kept).toBe(0);
    expect(deleted).toBe(2);
    expect(await fs.list('staging/')).toEqual([]);
    expect(await fs.head(`${FINAL}roi_features.json`)).toBeDefined();
  });
});

it('a job given deleteStagingOlderThanMs sweeps old staging areas after its own commit (the local store has no lifecycle)', async () => {
  // Prepare: a killed attempt's staging file, backdated two days.
  const { fs, run, keys } = await setup();
  await fs.put('staging/P6/2024-01-01/ffffffffffffffff-dead/mri_brain.nii.gz', 'x');
  const { utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 2 * 24 * 3600_000);
  await utimes(fs.pathOf('staging/P6/2024-01-01/ffffffffffffffff-dead/mri_brain.nii.gz'), old, old);
  // Act
  const outcome = await run(fs, { attemptId: 'sweeper', deleteStagingOlderThanMs: 24 * 3600_000 }).result;
  // Assess
  expect(outcome.ok).toBe(true);
  expect(await fs.list('staging/')).toEqual([]);
  expect(await keys(FINAL)).toEqual(VALIDATE_ONLY_FILES);
});
