import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localDataLayout } from '../../providers/local/data-dir.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../../shared/domain/session-key.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { DONE_FILE, commitLockKey } from './commit-outputs.js';

const session = { patientId: 'P77', sessionDate: '2024-07-07' };
const request: PreprocessJobRequest = {
  ...session,
  jobName: 'adni-kill-0123456789ab',
  fingerprint: '0123456789abcdef',
  inputBucket: 'local',
  mriKey: rawKey(session, 'mri'),
  petKey: rawKey(session, 'pet'),
  outputBucket: 'local',
  outputPrefix: preprocessedPrefix(session),
};
const FILES = ['mri_brain.nii.gz', 'pet_suvr.nii.gz', 'roi_features.json'];

/** Every file under `dir`, relative, or [] when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}

/**
 * The batch entrypoint as its own process (local store, validate-only step); with `killAfterStagedMs` it gets
 * SIGKILL that many ms after its first staged file appears (no cleanup of any kind can run). Resolves on exit.
 * (The snapshot of earlier files is taken while the process starts, well before it can stage anything.)
 */
function runEntrypoint(dataDir: string, killAfterStagedMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const env = { PATH: process.env.PATH ?? '', ...jobEnvironment(request), ADNI_STORE: 'local', ADNI_PIPELINE: 'validate-only', ADNI_DATA_DIR: dataDir };
  const child = spawn(process.execPath, ['--import', 'tsx', 'batch-image/src/main.ts'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  const staging = path.join(localDataLayout({ dataDir }).storeRoot, 'staging');
  let timer: NodeJS.Timeout | undefined;
  if (killAfterStagedMs !== undefined) {
    // Staging areas of earlier killed attempts stay (SIGKILL): only a new file is this attempt's.
    const before = filesUnder(staging).then((files) => new Set(files));
    const poll = async () => {
      const known = await before;
      if ((await filesUnder(staging)).some((f) => !known.has(f))) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterStagedMs);
        return;
      }
      if (child.exitCode === null) timer = setTimeout(poll, 1);
    };
    void poll();
  }
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
}

describe('a job process killed (SIGKILL) while staging or committing', () => {
  it('never leaves roi_features.json beside an incomplete set, whenever it dies; the retry completes the set', async () => {
    // Prepare: one session's inputs; kills at several points from the first staged file on (staging, or the commit).
    const dataDir = await mkdtemp(path.join(tmpdir(), 'adni-kill-'));
    const store = new FsObjectStore({ root: localDataLayout({ dataDir }).storeRoot });
    await store.put(request.mriKey, tinyNiftiGz({ seed: 11 }));
    await store.put(request.petKey, tinyNiftiGz({ seed: 12 }));
    const observed: { killed: boolean; final: string[] }[] = [];
    // Act
    for (const delay of [0, 1, 2, 3, 5, 8, 13, 40]) {
      const exit = await runEntrypoint(dataDir, delay);
      const final = (await store.list(request.outputPrefix)).map((h) => h.key.slice(request.outputPrefix.length)).sort();
      observed.push({ killed: exit.signal === 'SIGKILL', final });
      // Assess (each time): the done file only ever stands beside the whole set.
      if (final.includes(DONE_FILE)) expect(final).toEqual(FILES);
    }
    const retry = await runEntrypoint(dataDir);
    // Assess
    expect(observed.some((o) => o.killed)).toBe(true);
    expect(retry.code).toBe(0);
    expect((await store.list(request.outputPrefix)).map((h) => h.key.slice(request.outputPrefix.length)).sort()).toEqual(FILES);
    expect(await store.head(commitLockKey(request))).toBeUndefined();
    console.info('kill points (killed, final files):', JSON.stringify(observed));
  }, 120_000);
});
