import path from 'node:path';

/** Where the one-machine stack keeps its data when nothing else is configured. */
export const DEFAULT_DATA_DIR = './.adni-data';

/** The folders of a local data dir. */
export interface LocalDataLayout {
  /** Absolute data dir. */
  dataDir: string;
  /** Root of the filesystem object store (`<data>/store`). */
  storeRoot: string;
  /** Where files dropped by hand start a job (`<data>/store/raw`). */
  dropDir: string;
}

/**
 * Resolves the data dir from an explicit value, then `ADNI_DATA_DIR`, then `./.adni-data`, to an absolute
 * path: the stack hands it to job processes, whose working directory may differ.
 *
 * @example
 * localDataLayout({ env: process.env }).storeRoot // '/home/me/project/.adni-data/store'
 */
export function localDataLayout(options: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): LocalDataLayout {
  const env = options.env ?? process.env;
  const dataDir = path.resolve(options.dataDir || env.ADNI_DATA_DIR || DEFAULT_DATA_DIR);
  const storeRoot = path.join(dataDir, 'store');
  return { dataDir, storeRoot, dropDir: path.join(storeRoot, 'raw') };
}
