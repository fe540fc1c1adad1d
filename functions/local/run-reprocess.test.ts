import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { tinyNiftiGz } from '../../test/local/nifti-fixture.js';
import { sessionStatuses, startTestStack } from '../../test/local/stack-helpers.js';
import { postJson } from './post-json.js';
import { runBackfill, runReprocess } from './run-reprocess.js';

/**
 * `adni backfill` and `adni reprocess` against the real local stack (API key required, jobs in
 * validate-only mode): the CLI → API → core → worker pool path, counted in job markers and status records.
 */
describe('adni backfill / adni reprocess against the local stack', () => {
  let stack: LocalStack;
  let env: Record<string, string>;
  const lines: string[] = [];
  const output = () => ({ log: (line: string) => lines.push(line), env });
  const completed = async (patient: string, date: string) => (await sessionStatuses(stack, patient, date)).filter((r) => r.status === 'completed').length;

  beforeAll(async () => {
    stack = await startTestStack({ access: { requireApiKey: true, jwt: false }, watch: false });
    env = { ADNI_API_KEY: stack.access.apiKey!.key };
    // Raw files written straight into the store with no event (the watcher is off): a session that never ran.
    await stack.store.put('raw/S001/2024-03-01/mri.nii.gz', tinyNiftiGz({ seed: 1 }));
    await stack.store.put('raw/S001/2024-03-01/pet.nii.gz', tinyNiftiGz({ seed: 2 }));
    await stack.store.put('raw/S002/2024-03-01/mri.nii.gz', tinyNiftiGz({ seed: 3 })); // no PET: never eligible
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
  });

  it('backfill --dry-run lists the session lacking outputs and submits nothing', async () => {
    // Act
    lines.length = 0;
    const code = await runBackfill({ dryRun: true, api: stack.url, timeout: 30 }, output());
    // Assess
    expect(code).toBe(0);
    expect(lines).toEqual(['S001 2024-03-01: lacks outputs', '1 session(s) lack outputs (dry run: nothing submitted)']);
    expect(await stack.store.list('jobs/')).toEqual([]);
  });

  it('backfill submits it, the job completes, and a second backfill finds nothing left', async () => {
    // Act
    lines.length = 0;
    const code = await runBackfill({ dryRun: false, api: stack.url, timeout: 30 }, output());
    await stack.idle();
    const again: string[] = [];
    await runBackfill({ dryRun: true, api: stack.url, timeout: 30 }, { log: (l) => again.push(l), env });
    // Assess
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^S001 2024-03-01: submitted job \S+ \(fingerprint [0-9a-f]{16}\)$/);
    expect(await completed('S001', '2024-03-01')).toBe(1);
    expect(await stack.store.head('preprocessed/S001/2024-03-01/roi_features.json')).toBeDefined();
    expect(again).toEqual(['0 session(s) lack outputs (dry run: nothing submitted)']);
  }, 60_000);

  it('reprocess runs a processed session again, once per call, concurrent calls included', async () => {
    // Act
    const codes = [await runReprocess({ patient: 'S001', session: '2024-03-01', api: stack.url, timeout: 30 }, output())];
    codes.push(...(await Promise.all([1, 2].map(() => runReprocess({ patient: 'S001', api: stack.url, timeout: 30 }, output())))));
    await stack.idle();
    // Assess: 1 backfill job + 3 reprocess jobs, each its own marker and completed status
    expect(codes).toEqual([0, 0, 0]);
    expect(await stack.store.list('jobs/S001/2024-03-01/')).toHaveLength(4);
    expect(await completed('S001', '2024-03-01')).toBe(4);
  }, 60_000);

  it.each([
    ['without the API key', { patient: 'S001' }, {}, /HTTP 401/],
    ['for a patient with no raw files', { patient: 'S404' }, undefined, /HTTP 404\): no raw sessions for this patient/],
  ])('reprocess %s fails with the API\'s reason', async (_name, args, overrideEnv, message) => {
    // Act
    const run = runReprocess({ ...args, api: stack.url, timeout: 30 }, { log: () => {}, env: overrideEnv ?? env });
    // Assess
    await expect(run).rejects.toThrow(message);
  });

  it('reprocess of a session missing its PET reports it and exits 1', async () => {
    // Act
    lines.length = 0;
    const code = await runReprocess({ patient: 'S002', session: '2024-03-01', api: stack.url, timeout: 30 }, output());
    // Assess
    expect(code).toBe(1);
    expect(lines).toEqual(['S002 2024-03-01: not submitted, pet file missing', '0 of 1 session(s) submitted for preprocessing']);
  });

  it('backfill leaves out a session whose job was just submitted, and says so; --in-flight-minutes 0 includes it', async () => {
    // Prepare: a session lacking outputs whose job marker is a minute old (its job queued or running elsewhere)
    await stack.store.put('raw/S003/2024-03-01/mri.nii.gz', tinyNiftiGz({ seed: 4 }));
    await stack.store.put('raw/S003/2024-03-01/pet.nii.gz', tinyNiftiGz({ seed: 5 }));
    const since = new Date(Date.now() - 60_000).toISOString();
    await stack.store.put('jobs/S003/2024-03-01/00000000000000aa.json', JSON.stringify({ createdAt: since, submittedAt: since }));
    // Act
    lines.length = 0;
    const code = await runBackfill({ dryRun: false, api: stack.url, timeout: 30 }, output());
    const withZero: string[] = [];
    await runBackfill({ dryRun: true, inFlightMinutes: 0, api: stack.url, timeout: 30 }, { log: (l) => withZero.push(l), env });
    // Assess
    expect(code).toBe(0);
    expect(lines).toEqual([
      `S003 2024-03-01: lacks outputs, left out: a job was submitted at ${since} (still in flight?)`,
      '1 session(s) left out as in flight (--in-flight-minutes 0 submits them too)',
      '0 of 0 session(s) lacking outputs submitted for preprocessing',
    ]);
    expect(await stack.store.list('jobs/S003/2024-03-01/')).toHaveLength(1);
    expect(withZero).toEqual(['S003 2024-03-01: lacks outputs', '1 session(s) lack outputs (dry run: nothing submitted)']);
  });
});

describe('postJson timeout', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts the connection and the request, never answers.
    server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up on a server that never answers, saying so', async () => {
    // Act
    const call = postJson({ api: url, path: '/reprocess', body: {}, timeoutMs: 200 });
    // Assess
    await expect(call).rejects.toThrow(`POST ${url}/reprocess timed out after 0.2 s (the API accepted the connection but did not answer)`);
  });
});
