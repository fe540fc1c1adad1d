import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Image } from 'itk-wasm';
import { writeImageNode } from '@itk-wasm/image-io';

/** Options of {@link writeNifti}. */
export interface WriteNiftiOptions {
  /** gzip the file (default: when the name ends in .gz). */
  compress?: boolean;
}

/**
 * Writes an itk-wasm image as NIfTI, atomically: into a temporary sibling first, renamed into place
 * only when complete, so a crash never leaves a partial output under the final name. Creates the
 * parent folder. The path may be relative (it is made absolute: itk-wasm's writers need that).
 *
 * @example
 * await writeNifti(corrected, '/out/mri_n4.nii.gz');
 */
export async function writeNifti(image: Image, path: string, options: WriteNiftiOptions = {}): Promise<void> {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const dir = dirname(absolute);
  await mkdir(dir, { recursive: true });
  const gz = /\.gz$/i.test(absolute);
  const ext = gz ? '.nii.gz' : '.nii';
  const temp = join(dir, `.${basename(absolute).replace(/\.nii(\.gz)?$/i, '')}.partial-${process.pid}-${Date.now()}${ext}`);
  try {
    await writeImageNode(image, temp, { useCompression: options.compress ?? gz });
    await rename(temp, absolute);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
