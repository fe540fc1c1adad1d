import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The output folder is not usable (exists with files in it). */
export class OutputDirError extends Error {
  override readonly name = 'OutputDirError';
}

/** A staging folder beside the final one; {@link StagedDir.commit} moves it into place. */
export interface StagedDir {
  /** Where to write the outputs now. */
  path: string;
  /** Renames the staging folder to the final path (replacing an empty final folder). */
  commit(): Promise<string>;
  /** Removes the staging folder (on failure): nothing partial is left behind. */
  discard(): Promise<void>;
}

/**
 * Stages outputs in a hidden sibling of `outDir` (same filesystem, so the final rename is atomic).
 * `outDir` must not exist or be an empty folder; anything else is refused before any work.
 *
 * @example
 * const staged = await stageOutputDir('/out/sub-01');
 * try { await write(staged.path); await staged.commit(); } catch (e) { await staged.discard(); throw e; }
 */
export async function stageOutputDir(outDir: string): Promise<StagedDir> {
  const final = resolve(outDir);
  const existing = await readdir(final).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    if (error.code === 'ENOTDIR') throw new OutputDirError('the output path exists and is not a folder');
    throw error;
  });
  if (existing && existing.length) throw new OutputDirError('the output folder is not empty (refusing to overwrite earlier results)');
  await mkdir(dirname(final), { recursive: true });
  const path = join(dirname(final), `.${basename(final)}.partial-${process.pid}-${Date.now()}`);
  await mkdir(path);
  return {
    path,
    async commit() {
      if (existing) await rmdir(final);
      await rename(path, final);
      return final;
    },
    async discard() {
      await rm(path, { recursive: true, force: true });
    },
  };
}
