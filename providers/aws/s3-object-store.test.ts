import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectStoreContract } from '../../test/contracts/object-store.contract.js';
import { startLoopbackS3, type LoopbackS3 } from '../../test/aws/s3rver.js';
import { S3ObjectStore } from './s3-object-store.js';

let s3: LoopbackS3;
beforeAll(async () => {
  s3 = await startLoopbackS3();
});
afterAll(async () => {
  await s3?.close();
});

// s3rver ignores If-None-Match, so the contract cannot prove conditional create there; the loopback
// recorder below proves the SDK sends the header and that a 412 becomes { created: false }.
objectStoreContract('S3 (s3rver)', () => s3.newStore(), { enforcesConditionalCreate: false, canFetchPresigned: true });

describe('S3ObjectStore', () => {
  it('presigned PUT carries the content type it was signed with', async () => {
    const store = await s3.newStore();
    const put = await store.presignPut('raw/P4/2024-01-01/mri.nii.gz', { contentType: 'application/gzip', expiresInSeconds: 60 });
    expect(put.headers).toEqual({ 'content-type': 'application/gzip' });
    const response = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'gz' });
    expect(response.status).toBe(200);
    expect((await store.head('raw/P4/2024-01-01/mri.nii.gz'))?.contentType).toBe('application/gzip');
  });

  it('a declared size is a signed header: the signature holds for that length only, and the right body uploads', async () => {
    // Prepare: s3rver does not verify SigV4, so the test shows what S3 verifies: content-length is in SignedHeaders,
    // and the signature (same key, same instant) changes with it, so S3 answers 403 to a body of another length.
    const store = await s3.newStore();
    const key = 'raw/P4/2024-01-02/pet.nii.gz';
    const sign = async (contentLength: number) => {
      const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const command = new PutObjectCommand({ Bucket: store.bucket, Key: key, ContentType: 'application/gzip', ContentLength: contentLength });
      return new URL(await getSignedUrl(store.client, command, { expiresIn: 60, signingDate: new Date('2026-12-04T17:00:00Z') })).searchParams.get('X-Amz-Signature');
    };
    // Act
    const put = await store.presignPut(key, { contentType: 'application/gzip', contentLength: 5, maxBytes: 10 });
    const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body: '12345' });
    // Assess
    expect(new URL(put.url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-length');
    expect(await sign(5)).not.toBe(await sign(6));
    expect(uploaded.status).toBe(200);
    expect((await store.head(key))?.size).toBe(5);
    await expect(store.presignPut(key, { contentLength: 11, maxBytes: 10 })).rejects.toThrow(/over the limit of 10 bytes/);
    // Without a declared size, S3 has no way to limit a presigned PUT: the upload trigger's check applies instead.
    const open = await store.presignPut(key, { maxBytes: 10 });
    expect(new URL(open.url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).not.toContain('content-length');
  });

});

describe('S3ObjectStore.list on the wire', () => {
  // s3rver cannot page: it makes continuation tokens with DES, which OpenSSL 3 (Node >= 17) no longer
  // offers. So paging is proven against a loopback server that answers real ListObjectsV2 XML pages.
  it('follows continuation tokens until the listing ends', async () => {
    // Prepare
    const pages: Record<string, { keys: string[]; next?: string }> = {
      '': { keys: ['raw/P1/2024-01-01/mri.nii.gz', 'raw/P1/2024-01-01/pet.nii.gz'], next: 'tok-1' },
      'tok-1': { keys: ['raw/P2/2024-01-01/mri.nii.gz', 'raw/P2/2024-01-01/pet.nii.gz'], next: 'tok-2' },
      'tok-2': { keys: ['raw/P3/2024-01-01/mri.nii.gz'] },
    };
    const queries: URLSearchParams[] = [];
    const server = createServer((req, res) => {
      const query = new URL(req.url!, 'http://x').searchParams;
      queries.push(query);
      const page = pages[query.get('continuation-token') ?? ''];
      const contents = page.keys
        .map((k) => `<Contents><Key>${k}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>`)
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' }).end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>adni-raw</Name><Prefix>raw/</Prefix><KeyCount>${page.keys.length}</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>${page.next ? 'true' : 'false'}</IsTruncated>${contents}${page.next ? `<NextContinuationToken>${page.next}</NextContinuationToken>` : ''}</ListBucketResult>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new S3Client({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    const store = new S3ObjectStore({ bucket: 'adni-raw', client, pageSize: 2 });
    try {
      // Act
      const listed = await store.list('raw/');
      // Assess
      expect(listed.map((h) => h.key)).toEqual([...pages[''].keys, ...pages['tok-1'].keys, ...pages['tok-2'].keys]);
      expect(listed[0]).toMatchObject({ size: 3, etag: 'd41d8cd98f00b204e9800998ecf8427e' });
      expect(queries.map((q) => [q.get('list-type'), q.get('prefix'), q.get('max-keys'), q.get('continuation-token')])).toEqual([
        ['2', 'raw/', '2', null],
        ['2', 'raw/', '2', 'tok-1'],
        ['2', 'raw/', '2', 'tok-2'],
      ]);
    } finally {
      client.destroy();
      server.close();
    }
  });
});

describe('S3ObjectStore.putIfAbsent on the wire', () => {
  interface Seen { method: string; url: string; ifNoneMatch: string | undefined; body: string }

  /** A loopback S3 that records each request and answers with the given status (and S3's XML error body). */
  async function recorder(status: number, code: string) {
    const seen: Seen[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      seen.push({ method: req.method!, url: req.url!, ifNoneMatch: req.headers['if-none-match'] as string | undefined, body: Buffer.concat(chunks).toString() });
      if (status === 200) {
        res.writeHead(200, { ETag: '"0cc175b9c0f1b6a831c399e269772661"', 'x-amz-version-id': 'v1' }).end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>At least one of the pre-conditions you specified did not hold</Message><RequestId>R1</RequestId></Error>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const store = new S3ObjectStore({ bucket: 'adni-raw', client });
    return { seen, store, close: () => { client.destroy(); server.close(); } };
  }

  it.each([
    [412, 'PreconditionFailed'],
    [409, 'ConditionalRequestConflict'],
  ])('sends If-None-Match: * and maps %i %s to created:false', async (status, code) => {
    // Prepare
    const s3Wire = await recorder(status, code);
    try {
      // Act
      const result = await s3Wire.store.putIfAbsent('jobs/P1/2024-01-01/0123456789abcdef.json', '{"n":1}', { contentType: 'application/json' });
      // Assess
      expect(result).toEqual({ created: false });
      expect(s3Wire.seen).toHaveLength(1);
      expect(s3Wire.seen[0]).toMatchObject({ method: 'PUT', url: expect.stringMatching(/^\/adni-raw\/jobs\/P1\/2024-01-01\/0123456789abcdef\.json(\?|$)/), ifNoneMatch: '*', body: '{"n":1}' });
    } finally {
      s3Wire.close();
    }
  });

  it('reports the created object on 200', async () => {
    const s3Wire = await recorder(200, '');
    try {
      const result = await s3Wire.store.putIfAbsent('jobs/P1/2024-01-01/0123456789abcdef.json', 'a');
      expect(result).toEqual({ created: true, head: { key: 'jobs/P1/2024-01-01/0123456789abcdef.json', size: 1, etag: '0cc175b9c0f1b6a831c399e269772661', version: 'v1', contentType: undefined } });
      expect(s3Wire.seen[0].ifNoneMatch).toBe('*');
    } finally {
      s3Wire.close();
    }
  });

  it('other errors are thrown (so the platform retries)', async () => {
    const s3Wire = await recorder(403, 'AccessDenied');
    try {
      await expect(s3Wire.store.putIfAbsent('jobs/P1/2024-01-01/0123456789abcdef.json', 'a')).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      s3Wire.close();
    }
  });
});
