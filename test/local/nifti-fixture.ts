import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

/**
 * A minimal valid NIfTI-1 image (little endian, uint8, vox_offset 352), gzip-compressed: what a `.nii.gz`
 * upload looks like, small enough for end-to-end tests. `seed` changes the voxel values, so two fixtures
 * with different seeds have different bytes (and etags).
 *
 * @example
 * await writeFile('/tmp/mri.nii.gz', tinyNiftiGz({ size: [4, 4, 4], seed: 1 }));
 */
export function tinyNiftiGz(options: { size?: [number, number, number]; seed?: number } = {}): Buffer {
  const [x, y, z] = options.size ?? [4, 4, 4];
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0); // sizeof_hdr
  const dim = [3, x, y, z, 1, 1, 1, 1];
  dim.forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70); // datatype: uint8
  header.writeInt16LE(8, 72); // bitpix
  [1, 1, 1, 1, 0, 0, 0, 0].forEach((p, i) => header.writeFloatLE(p, 76 + 4 * i)); // pixdim (qfac first)
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeInt16LE(1, 252); // qform_code: scanner
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(x * y * z);
  const seed = options.seed ?? 0;
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 31) & 0xff;
  return gzipSync(Buffer.concat([header, data]));
}

/** Writes an MRI and a PET fixture into `dir`; returns their paths. */
export async function writeSessionFixtures(dir: string, seed = 0): Promise<{ mri: string; pet: string }> {
  const mri = `${dir}/mri-${seed}.nii.gz`;
  const pet = `${dir}/pet-${seed}.nii.gz`;
  await writeFile(mri, tinyNiftiGz({ seed: seed * 2 + 1 }));
  await writeFile(pet, tinyNiftiGz({ seed: seed * 2 + 2, size: [3, 3, 3] }));
  return { mri, pet };
}
