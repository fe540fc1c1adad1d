import type { Image } from 'itk-wasm';
import type { Grid3 } from './grid.js';

/** itk-wasm component types we allocate. */
export type ComponentType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** A typed array of any {@link ComponentType}. */
export type VoxelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

const CTORS = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
} as const;

/** A zero-filled typed array of `length` voxels of `componentType`. */
export function allocateVoxels(componentType: ComponentType, length: number): VoxelArray {
  return new CTORS[componentType](length);
}

/** Options of {@link makeImage}. */
export interface MakeImageOptions {
  componentType?: ComponentType;
  /** Existing data (not copied); its length must be the voxel count. */
  data?: VoxelArray;
  name?: string;
}

/**
 * A 3-D scalar itk-wasm `Image` on a grid, zero-filled unless `data` is given.
 *
 * @example
 * const mask = makeImage(gridOf(t1), { componentType: 'uint8' });
 */
export function makeImage(grid: Grid3, options: MakeImageOptions = {}): Image {
  const componentType = options.componentType ?? 'float32';
  const n = grid.size[0] * grid.size[1] * grid.size[2];
  const data = options.data ?? allocateVoxels(componentType, n);
  if (data.length !== n) throw new Error(`data has ${data.length} voxels, the grid ${n}`);
  return {
    imageType: { dimension: 3, componentType, pixelType: 'Scalar', components: 1 },
    name: options.name ?? 'image',
    origin: [...grid.origin],
    spacing: [...grid.spacing],
    direction: Float64Array.from(grid.direction),
    size: [...grid.size],
    metadata: new Map(),
    data,
  } as unknown as Image;
}

/**
 * A new zero-filled image on the same grid as `like` (all its axes, 4-D included), optionally of
 * another component type.
 *
 * @example
 * const field = allocateLike(t1, { componentType: 'float32' });
 */
export function allocateLike(like: Image, options: { componentType?: ComponentType; name?: string } = {}): Image {
  const componentType = options.componentType ?? (like.imageType.componentType as ComponentType);
  const n = like.size.reduce((a, b) => a * b, 1);
  return {
    imageType: { ...like.imageType, componentType, pixelType: 'Scalar', components: 1 },
    name: options.name ?? like.name,
    origin: [...like.origin],
    spacing: [...like.spacing],
    direction: Float64Array.from(like.direction as ArrayLike<number>),
    size: [...like.size],
    metadata: new Map(),
    data: allocateVoxels(componentType, n),
  } as unknown as Image;
}

/** The image's voxels as Float32 (a copy when the type differs, the same array when already float32). */
export function toFloat32(image: Image): Float32Array {
  const data = image.data;
  if (!data) throw new Error('image has no pixel data');
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** A copy of `image` with new voxel data (same grid). */
export function withData(image: Image, data: VoxelArray, componentType?: ComponentType): Image {
  const out = allocateLike(image, { componentType: componentType ?? componentTypeOf(data) });
  out.data = data;
  return out;
}

/** The component type name of a typed array. */
export function componentTypeOf(data: VoxelArray): ComponentType {
  for (const [name, ctor] of Object.entries(CTORS)) if (data instanceof ctor) return name as ComponentType;
  throw new Error('unsupported typed array');
}
