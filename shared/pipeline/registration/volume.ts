import type { Image } from 'itk-wasm';

/**
 * Small typed-array helpers on itk-wasm {@link Image}s that the registration wrappers need
 * (float conversion, 4-D frame extraction, block downsampling to a registration grid, grid description).
 * Kept here until shared/pipeline/image offers the same; one allocation per call, none per voxel.
 */

/** Geometry of an image grid, as transformix and resampling want it. */
export interface Grid {
  size: number[];
  spacing: number[];
  origin: number[];
  /** Row-major direction cosines (dimension × dimension). */
  direction: number[];
}

/**
 * The geometry of `image`'s first three axes.
 *
 * @example
 * const grid = gridOf(t1); // { size: [182, 218, 182], spacing: [1, 1, 1], ... }
 */
export function gridOf(image: Image): Grid {
  const d = image.imageType.dimension;
  const direction: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction.push(Number(image.direction[r * d + c]));
  return {
    size: image.size.slice(0, 3),
    spacing: image.spacing.slice(0, 3),
    origin: image.origin.slice(0, 3),
    direction,
  };
}

/**
 * A 3-D float32 image on `grid` holding `data` (no copy).
 *
 * @example
 * const mask = imageOnGrid(gridOf(t1), new Float32Array(n));
 */
export function imageOnGrid(grid: Grid, data: Float32Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array, name = 'image'): Image {
  const componentType =
    data instanceof Float32Array ? 'float32' :
    data instanceof Uint8Array ? 'uint8' :
    data instanceof Int16Array ? 'int16' :
    data instanceof Uint16Array ? 'uint16' :
    data instanceof Int32Array ? 'int32' : 'uint32';
  return {
    imageType: { dimension: 3, componentType, pixelType: 'Scalar', components: 1 },
    name,
    origin: grid.origin.slice(),
    spacing: grid.spacing.slice(),
    direction: Float64Array.from(grid.direction),
    size: grid.size.slice(),
    metadata: new Map(),
    data,
  } as unknown as Image;
}

/**
 * `image` as 3-D float32 (a copy unless it already is float32 and 3-D).
 *
 * @example
 * const f = toFloat32(await readImageNode(path));
 */
export function toFloat32(image: Image): Image {
  if (image.imageType.dimension === 3 && image.imageType.componentType === 'float32') return image;
  const grid = gridOf(image);
  const n = grid.size[0] * grid.size[1] * grid.size[2];
  const src = image.data as ArrayLike<number>;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i];
  return imageOnGrid(grid, out, image.name);
}

/** Number of frames of a 3-D (1) or 4-D image. */
export function frameCount(image: Image): number {
  return image.imageType.dimension >= 4 ? image.size[3] : 1;
}

/**
 * Frame `t` of a 4-D image as a 3-D float32 image (frame 0 of a 3-D image is the image itself).
 *
 * @example
 * const first = extractFrame(pet4d, 0);
 */
export function extractFrame(image: Image, t: number): Image {
  const grid = gridOf(image);
  const n = grid.size[0] * grid.size[1] * grid.size[2];
  const src = image.data as ArrayLike<number> & { subarray?: unknown };
  const out = new Float32Array(n);
  const offset = t * n;
  for (let i = 0; i < n; i++) out[i] = src[offset + i];
  return imageOnGrid(grid, out, `${image.name}-frame${t}`);
}

/** Options of {@link downsampleForRegistration}. */
export interface DownsampleOptions {
  /** Spacing (mm) the registration should run at; axes finer than ~0.75× this are block-averaged. */
  targetSpacingMm: number;
}

/**
 * Block-averages a 3-D image to about `targetSpacingMm` (integer factors per axis), keeping its
 * physical extent and orientation: the block centre becomes the new voxel centre. Registration runs
 * on this grid; the transforms it finds are physical, so they apply unchanged on the full grid.
 *
 * @example
 * const t1At2mm = downsampleForRegistration(t1At1mm, { targetSpacingMm: 2 });
 */
export function downsampleForRegistration(image: Image, options: DownsampleOptions): Image {
  const g = gridOf(image);
  const f = g.spacing.map((s) => Math.max(1, Math.round(options.targetSpacingMm / s)));
  const src = toFloat32(image).data as Float32Array;
  if (f.every((x) => x === 1)) return imageOnGrid(g, src, image.name);
  const [nx, ny, nz] = g.size;
  const size = [Math.floor(nx / f[0]), Math.floor(ny / f[1]), Math.floor(nz / f[2])];
  const out = new Float32Array(size[0] * size[1] * size[2]);
  const inv = 1 / (f[0] * f[1] * f[2]);
  for (let z = 0; z < size[2]; z++)
    for (let y = 0; y < size[1]; y++)
      for (let x = 0; x < size[0]; x++) {
        let sum = 0;
        for (let dz = 0; dz < f[2]; dz++)
          for (let dy = 0; dy < f[1]; dy++) {
            const row = (z * f[2] + dz) * nx * ny + (y * f[1] + dy) * nx + x * f[0];
            for (let dx = 0; dx < f[0]; dx++) sum += src[row + dx];
          }
        out[x + size[0] * (y + size[1] * z)] = sum * inv;
      }
  // The new voxel centre sits at the centre of its block: (f-1)/2 old voxels along each axis.
  const shift = [0, 1, 2].map((a) => ((f[a] - 1) / 2) * g.spacing[a]);
  const origin = [0, 1, 2].map(
    (r) => g.origin[r] + g.direction[r * 3] * shift[0] + g.direction[r * 3 + 1] * shift[1] + g.direction[r * 3 + 2] * shift[2],
  );
  return imageOnGrid({ size, spacing: g.spacing.map((s, a) => s * f[a]), origin, direction: g.direction }, out, image.name);
}
