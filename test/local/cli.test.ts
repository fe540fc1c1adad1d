import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { REPO_ROOT } from '../../providers/local/job-pool.js';
import { writeSessionFixtures } from './nifti-fixture.js';
import { sessionStatuses, startTestStack } from './stack-helpers.js';

const run = promisify(execFile);

/** `node bin/adni.mjs ...` without blocking this process (the stack under test runs in it). */
async function adni(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/adni.mjs', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('adni upload against a running local stack', () => {
  let stack: LocalStack;
  let files: { mri: string; pet: string };
  let workDir: string;
  beforeAll(async () => {
    stack = await startTestStack();
    workDir = await mkdtemp(path.join(tmpdir(), 'adni-cli-'));
    files = await writeSessionFixtures(workDir, 1);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('uploads through presigned URLs, waits, and prints where the outputs are', async () => {
    // Act
    const result = await adni(['upload', '--patient', 'C001', '--session', '2024-05-01', '--mri', files.mri, '--pet', files.pet, '--api', stack.url, '--wait']);
    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('uploaded raw/C001/2024-05-01/mri.nii.gz and raw/C001/2024-05-01/pet.nii.gz');
    expect(result.stdout).toContain('status: completed');
    expect(result.stdout).toContain(`mri_brain: preprocessed/C001/2024-05-01/mri_brain.nii.gz  (${stack.dataDir}`);
    expect((await stack.store.list('preprocessed/C001/2024-05-01/')).length).toBe(3);
  });

  it('--store local writes straight into the data dir; the watcher starts the job', async () => {
    const result = await adni(['upload', '--patient', 'C002', '--session', '2024-05-01', '--mri', files.mri, '--pet', files.pet, '--store', 'local', '--wait', '--timeout', '30'], {
      ADNI_DATA_DIR: stack.dataDir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('status: completed');
    expect((await sessionStatuses(stack, 'C002', '2024-05-01')).map((r) => r.status)).toEqual(['completed']);
  });

  it('rejects bad arguments before sending anything, naming each one, without a stack trace', async () => {
    const result = await adni(['upload', '--patient', '../P', '--session', '2024-13-01', '--mri', path.join(workDir, 'none.nii.gz'), '--pet', REPO_ROOT + 'package.json', '--api', stack.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--patient: patient id must be');
    expect(result.stderr).toContain('--session: session date is not a real calendar date');
    expect(result.stderr).toContain('none.nii.gz does not exist or cannot be read');
    expect(result.stderr).toContain('package.json is not gzip-compressed');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await stack.store.list('raw/P')).toEqual([]);
  });

});

describe('adni serve', () => {
  it('prints the URL, data dir and drop folder, serves /health and prediction, and exits cleanly on SIGTERM', async () => {
    // Prepare
    const dataDir = await mkdtemp(path.join(tmpdir(), 'adni-serve-'));
    const child = spawn(process.execPath, ['bin/adni.mjs', 'serve', '--port', '0', '--data-dir', dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, ADNI_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Act
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stdout}`)), 80_000);
      child.stdout.on('data', () => {
        const match = /running at (http:\/\/\S+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const health = await (await fetch(`${url}/health`)).json();
    const predictUnknown = await fetch(`${url}/predict-progression`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient_id: 'NOBODY' }),
    });
    child.kill('SIGTERM');
    // Assess
    expect(health).toEqual({ status: 'ok' });
    expect(stdout).toContain(`data dir:      ${dataDir}`);
    expect(stdout).toContain(`or drop files: ${path.join(dataDir, 'store', 'raw')}/`);
    expect(stdout).toMatch(/prediction: +POST http:\/\/\S+\/predict-progression \(cpu\)/);
    // The model is loaded and reads the stack's own FHIR server: an unknown patient is a 404, not a 501.
    expect(predictUnknown.status).toBe(404);
    expect(await exited).toBe(0);
  }, 120_000); // starts PGlite, the model and the server as a child process: slow on a loaded runner
});
