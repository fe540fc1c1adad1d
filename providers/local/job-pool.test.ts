import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { MemoryLogger, RecordingStatusSink } from '../../test/support/recorders.js';
import { crashReason, LocalJobPool } from './job-pool.js';

function request(n: number): PreprocessJobRequest {
  return {
    patientId: `P${n}`,
    sessionDate: '2024-01-01',
    jobName: `adni-test-${n}`,
    fingerprint: `${n}`.padStart(16, '0'),
    inputBucket: 'local',
    mriKey: `raw/P${n}/2024-01-01/mri.nii.gz`,
    petKey: `raw/P${n}/2024-01-01/pet.nii.gz`,
    outputBucket: 'local',
    outputPrefix: `preprocessed/P${n}/2024-01-01/`,
  };
}

/** A job command running an inline script with the job's environment. */
function script(source: string) {
  return { file: process.execPath, args: ['-e', source] };
}

async function makePool(source: string, concurrency = 2) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'adni-pool-'));
  const status = new RecordingStatusSink();
  const abandoned: string[] = [];
  const pool = new LocalJobPool({
    dataDir,
    status,
    logger: new MemoryLogger(),
    concurrency,
    command: script(source),
    killGraceMs: 500,
    onAbandoned: async (r) => void abandoned.push(r.jobName),
  });
  return { pool, status, dataDir, abandoned };
}

describe('LocalJobPool', () => {
  it('runs jobs with the job environment and never more than `concurrency` at once', async () => {
    // Prepare: each job records its start and end times in the data dir.
    const { pool, dataDir } = await makePool(
      `const fs = require('fs'); const f = process.env.ADNI_DATA_DIR + '/' + process.env.ADNI_JOB_NAME;
       fs.writeFileSync(f, JSON.stringify({ start: Date.now(), patient: process.env.ADNI_PATIENT_ID, store: process.env.ADNI_STORE }));
       setTimeout(() => { const r = JSON.parse(fs.readFileSync(f)); r.end = Date.now(); fs.writeFileSync(f, JSON.stringify(r)); }, 300);`,
      1,
    );
    // Act
    const submitted = await Promise.all([1, 2, 3].map((n) => pool.submit(request(n))));
    expect(pool.stats()).toEqual({ running: 1, queued: 2 });
    await pool.idle();
    // Assess
    expect(new Set(submitted.map((s) => s.jobId)).size).toBe(3);
    const runs = await Promise.all((await readdir(dataDir)).sort().map(async (f) => JSON.parse(await readFile(path.join(dataDir, f), 'utf8'))));
    expect(runs.map((r) => r.patient)).toEqual(['P1', 'P2', 'P3']);
    expect(runs.every((r) => r.store === 'local')).toBe(true);
    for (let i = 1; i < runs.length; i++) expect(runs[i].start).toBeGreaterThanOrEqual(runs[i - 1].end);
    await pool.close();
  });

  it('reports failed with the exit code and the end of stderr when a job crashes', async () => {
    const { pool, status } = await makePool(`console.error('loading model\\nError: out of memory'); process.exit(7);`);
    await pool.submit(request(1));
    await pool.idle();
    expect(status.updates).toHaveLength(1);
    expect(status.updates[0]).toMatchObject({ status: 'failed', reason: 'job process exited with code 7: loading model | Error: out of memory' });
    await pool.close();
  });

  it.each([
    [0, 'completed'],
    [20, 'failed and reported by the job'],
  ])('adds no status of its own when the job exits with %i (%s)', async (code) => {
    const { pool, status } = await makePool(`process.exit(${code})`);
    await pool.submit(request(1));
    await pool.idle();
    expect(status.updates).toEqual([]);
    await pool.close();
  });

  it('treats exit code 1 (an uncaught exception) as a crash, without the stack frames', async () => {
    const { pool, status } = await makePool(`throw new TypeError('cannot read x')`);
    await pool.submit(request(1));
    await pool.idle();
    expect(status.updates[0].reason).toMatch(/^job process exited with code 1: .*TypeError: cannot read x/);
    expect(status.updates[0].reason).not.toMatch(/ at /);
    await pool.close();
  });

  it('close() stops running jobs, drops queued ones, and hands both back for a rerun', async () => {
    const { pool, status, abandoned } = await makePool(`setTimeout(() => {}, 60_000)`, 1);
    await pool.submit(request(1));
    await pool.submit(request(2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await pool.close();
    expect(abandoned.sort()).toEqual(['adni-test-1', 'adni-test-2']);
    expect(status.updates.every((u) => u.status === 'failed' && u.reason?.includes('shut down'))).toBe(true);
    await expect(pool.submit(request(3))).rejects.toThrow('closed');
  });
});

describe('crashReason', () => {
  it.each([
    [{ code: null, signal: 'SIGKILL' as const, stderr: '' }, 'job process was killed by SIGKILL'],
    [{ code: 3, signal: null, stderr: 'a\nb\nc\nd\n    at foo (x.js:1:1)\nNode.js v20.1.0\n' }, 'job process exited with code 3: b | c | d'],
    [{ code: null, signal: null, stderr: '', spawnError: new Error('spawn ENOENT') }, 'job process could not start: spawn ENOENT'],
  ])('%#: %s', (input, expected) => {
    expect(crashReason(input)).toBe(expected);
  });
});
