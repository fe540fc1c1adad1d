import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface PutFileOptions {
  url: string;
  /** Headers the presigned request requires (e.g. content-type). */
  headers?: Record<string, string>;
  file: string;
  /** Called as bytes leave, with the running total. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /**
   * Give up when no byte moves either way for this long (default 60 s). An idle bound, not a total one:
   * a large file on a slow link keeps going, a storage endpoint that stops answering fails clearly.
   */
  idleTimeoutMs?: number;
}

/** Default idle bound of {@link putFile}. */
export const DEFAULT_PUT_IDLE_TIMEOUT_MS = 60_000;

export interface PutFileResult {
  status: number;
  /** ETag without quotes, when the server sent one. */
  etag?: string;
  /** Object version (local `x-adni-version`, S3 `x-amz-version-id`), when the server sent one. */
  version?: string;
}

/**
 * PUTs a file to a presigned URL, streamed from disk with an explicit Content-Length (S3 refuses chunked
 * uploads to presigned URLs), reporting progress. Throws with the server's message on a non-2xx answer.
 *
 * @example
 * await putFile({ url, headers, file: 'mri.nii.gz', onProgress: (sent, total) => bar.update(sent) });
 */
export async function putFile(options: PutFileOptions): Promise<PutFileResult> {
  const { size } = await stat(options.file);
  const url = new URL(options.url);
  const transport = url.protocol === 'https:' ? https : http;
  let sent = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      options.onProgress?.(sent, size);
      done(null, chunk);
    },
  });
  return new Promise<PutFileResult>((resolve, reject) => {
    const request = transport.request(url, { method: 'PUT', headers: { ...options.headers, 'content-length': String(size) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          reject(new Error(`upload refused (HTTP ${status}): ${errorMessage(Buffer.concat(chunks).toString('utf8'))}`));
          return;
        }
        const etag = header(response.headers.etag)?.replace(/^W\//, '').replace(/"/g, '');
        const version = header(response.headers['x-adni-version']) ?? header(response.headers['x-amz-version-id']);
        resolve({ status, ...(etag ? { etag } : {}), ...(version ? { version } : {}) });
      });
      response.on('error', reject);
    });
    const idleMs = options.idleTimeoutMs ?? DEFAULT_PUT_IDLE_TIMEOUT_MS;
    let stalled = false;
    request.setTimeout(idleMs, () => {
      stalled = true;
      request.destroy(new Error('stalled'));
    });
    // The request and the pipeline feeding it both see a stall; whichever reports first words it.
    const stallError = () => new Error(`upload to ${url.origin} stalled: nothing sent or received for ${idleMs / 1000} s (${sent} of ${size} bytes sent)`);
    request.on('error', (error) => reject(stalled ? stallError() : new Error(`could not reach ${url.origin}: ${error.message}`)));
    pipeline(createReadStream(options.file), meter, request).catch((error: Error) => reject(stalled ? stallError() : error));
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The API's `{ error: { message } }`, S3's XML `<Message>`, or the start of the body. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch {
    // not JSON
  }
  const xml = /<Message>([^<]*)<\/Message>/.exec(body);
  return xml ? xml[1] : body.slice(0, 200) || 'no details';
}
