import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { S3ObjectStore } from '../../providers/aws/s3-object-store.js';

/** A running s3rver on 127.0.0.1 (random port), with a client aimed at it. */
export interface LoopbackS3 {
  endpoint: string;
  client: S3Client;
  /** A store over a new, empty bucket. */
  newStore(options?: { pageSize?: number; bucket?: string }): Promise<S3ObjectStore>;
  close(): Promise<void>;
}

let bucketCounter = 0;

/**
 * Starts s3rver in-process with its data in a temp folder. It wants the access key S3RVER, but it does
 * not verify SigV4 signatures (only V2), so tests here prove wire compatibility, not authorization.
 */
export async function startLoopbackS3(): Promise<LoopbackS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'adni-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default CRC32 checksums (aws-chunked trailers): ask only where required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    async newStore(options = {}) {
      const bucket = options.bucket ?? `adni-test-${process.pid}-${++bucketCounter}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return new S3ObjectStore({ bucket, client, pageSize: options.pageSize });
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
