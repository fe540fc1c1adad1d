import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The local stack's API key and where it is kept. */
export interface ApiKeyFile {
  key: string;
  file: string;
  /** True when this call generated it (the only time it is printed). */
  created: boolean;
}

/**
 * The API key of a data dir: read from `<dataDir>/api-key`, or generated (32 random bytes, base64url, `adni_`
 * prefix so secret scanners recognise it) and written with mode 0600 on first use. Creation uses the `wx` flag,
 * so two stacks starting at once cannot end up with different keys.
 *
 * @example
 * const { key, created, file } = await loadOrCreateApiKey('/srv/adni-data');
 */
export async function loadOrCreateApiKey(dataDir: string): Promise<ApiKeyFile> {
  const file = path.join(dataDir, 'api-key');
  await mkdir(dataDir, { recursive: true });
  const key = `adni_${randomBytes(32).toString('base64url')}`;
  try {
    await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' });
    return { key, file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // An existing file keeps working but is narrowed to the owner, whatever a copy or umask did to it.
  await chmod(file, 0o600);
  const existing = (await readFile(file, 'utf8')).trim();
  if (existing.length < 20) throw new Error(`${file} holds no usable API key (delete it to generate a new one)`);
  return { key: existing, file, created: false };
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}
