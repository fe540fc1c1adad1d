import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const out: Record<string, string> = { node: process.versions.node };
  for (const name of LIBRARIES) out[name] = packageVersion(name) ?? 'unknown';
  return out;
}

// Packages' `exports` often hide package.json from require(): look for node_modules/<name> upwards
// from this module and from the working directory (bundled builds live elsewhere) and read the file.
function packageVersion(name: string): string | undefined {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const file = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(file)) {
        try {
          return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
        } catch {
          return undefined;
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}
