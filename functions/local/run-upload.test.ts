import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { writeSessionFixtures } from '../../test/local/nifti-fixture.js';
import { startTestStack } from '../../test/local/stack-helpers.js';
import { runUpload } from './run-upload.js';
import { UploadOptionsSchema } from './upload-options.js';

let stack: LocalStack;
let dir: string;
let files: { mri: string; pet: string };
beforeAll(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(path.join(tmpdir(), 'adni-run-upload-'));
  files = await writeSessionFixtures(dir, 2);
});
afterAll(async () => {
  await stack?.close();
});

function output() {
  const lines: string[] = [];
  return { lines, out: { log: (line: string) => void lines.push(line), stream: process.stderr } };
}

describe('runUpload', () => {
  it('--wait resolves 1 and prints the reason when preprocessing fails', async () => {
    // Prepare: gzip magic, then a broken stream; passes the CLI check, fails in the job.
    const fake = path.join(dir, 'fake.nii.gz');
    await writeFile(fake, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
    const options = UploadOptionsSchema.parse({ patient: 'R1', session: '2024-05-01', mri: fake, pet: files.pet, api: stack.url, wait: true });
    const { lines, out } = output();
    // Act
    const code = await runUpload(options, out);
    // Assess
    expect(code).toBe(1);
    expect(lines).toContain('preprocessing failed: MRI input is not a valid gzip stream: unexpected end of file');
    expect(lines).toContain('mri: sent 5 bytes');
  });

  it('without --wait returns as soon as both files are stored and says where outputs will be', async () => {
    const options = UploadOptionsSchema.parse({ patient: 'R2', session: '2024-05-01', ...files, api: stack.url });
    const { lines, out } = output();
    const code = await runUpload(options, out);
    await stack.idle();
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe('preprocessing starts now; outputs will appear under preprocessed/R2/2024-05-01/');
    expect(await stack.store.list('preprocessed/R2/2024-05-01/')).toHaveLength(3);
  });

  it('says clearly when no stack is listening', async () => {
    const options = UploadOptionsSchema.parse({ patient: 'R3', session: '2024-05-01', ...files, api: 'http://127.0.0.1:9' });
    await expect(runUpload(options, output().out)).rejects.toThrow('cannot reach the API at http://127.0.0.1:9 (is `npm start` running?)');
  });

  it('--wait against an API without the local status route says what it needs', async () => {
    // A stub API on the local stack's own store: presigned PUTs work, /local-status does not exist.
    const { Hono } = await import('hono');
    const { serve } = await import('@hono/node-server');
    const { uploadRoutes } = await import('../../shared/api/routes/uploads.js');
    const { apiError } = await import('../../shared/api/errors.js');
    const api = new Hono().route('/', uploadRoutes({ store: stack.store }));
    api.notFound((c) => apiError(c, 404, 'not_found', `no route for ${c.req.method}`));
    const server = serve({ fetch: api.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const options = UploadOptionsSchema.parse({ patient: 'R4', session: '2024-05-01', ...files, api: url, wait: true });
      await expect(runUpload(options, output().out)).rejects.toThrow('--wait needs the local stack');
    } finally {
      server.close();
    }
  });
});
