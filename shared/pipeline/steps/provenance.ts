import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** Checksum and size of one input file. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/**
 * SHA-256 of a file, streamed.
 *
 * @example
 * const { sha256 } = await fileDigest('/in/t1.nii.gz');
 */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  await new Promise<void>((ok, fail) => {
    createReadStream(path).on('data', (c) => hash.update(c)).on('end', () => ok()).on('error', fail);
  });
  return { sha256: hash.digest('hex'), bytes: (await stat(path)).size };
}

const LIBRARIES = ['itk-wasm', '@itk-wasm/elastix', '@itk-wasm/image-io', 'zod'];

/**
 * Versions of the libraries that compute the results (from their package.json; 'unknown' where a
 * package hides it), plus Node's.
 *
 * @example
 * libraryVersions() // { node: '20.19.0', 'itk-wasm': '1.0.0-b.201', ... }
 */
export function libraryVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.versions.node };
  for (const name of LIBRARIES) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      out[name] = 'unknown';
    }
  }
  return out;
}
