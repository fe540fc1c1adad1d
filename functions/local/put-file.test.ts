import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putFile } from './put-file.js';
import { uploadViaApi } from './upload-session.js';

/** Loopback servers that accept requests and never answer: `/read` drains the body first, `/hold` does not. */
let server: Server;
let base: string;
let dir: string;
let file: string;

beforeAll(async () => {
  server = createServer((req) => {
    if (req.url?.startsWith('/read')) req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'adni-put-'));
  file = path.join(dir, 'mri.nii.gz');
  await writeFile(file, Buffer.alloc(4096, 7));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('presigned upload timeouts', () => {
  it.each(['/read', '/hold'])('a storage endpoint that never answers (%s) fails the PUT as stalled', async (route) => {
    // Act
    const put = putFile({ url: `${base}${route}/key?signature=x`, file, idleTimeoutMs: 200 });
    // Assess
    await expect(put).rejects.toThrow(new RegExp(`^upload to ${base} stalled: nothing sent or received for 0\\.2 s \\(\\d+ of 4096 bytes sent\\)$`));
  });

  it('a missing file is still reported as such, not as a stall', async () => {
    const put = putFile({ url: `${base}/read/key`, file: path.join(dir, 'absent.nii.gz'), idleTimeoutMs: 200 });
    await expect(put).rejects.toThrow(/ENOENT/);
  });

  it('an API that never answers POST /uploads fails with the route and the bound', async () => {
    // Act
    const upload = uploadViaApi(`${base}/hold`, { patient: 'P1', session: '2024-01-01', mri: file, pet: file }, undefined, { apiMs: 200 });
    // Assess
    await expect(upload).rejects.toThrow(`POST ${base}/hold/uploads did not answer within 0.2 s`);
  });
});
