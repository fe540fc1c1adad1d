import type { Image } from 'itk-wasm';
import { transformixNode } from '@itk-wasm/elastix';
import type { ElastixTransform } from './elastix-transform.js';
import type { ParameterMap } from './parameter-maps.js';
import { toFloat32, imageOnGrid, type Grid } from './volume.js';

/** How {@link applyTransform} samples the moving image. */
export type Interpolation = 'linear' | 'nearest' | 'bspline';

const RESAMPLE_INTERPOLATOR: Record<Interpolation, string> = {
  linear: 'FinalLinearInterpolator',
  nearest: 'FinalNearestNeighborInterpolator',
  bspline: 'FinalBSplineInterpolator',
};

/** Options of {@link applyTransform}. */
export interface ApplyTransformOptions {
  /** Image to resample (in the moving space of `transform`). */
  moving: Image;
  /** Fixed → moving transform from a registration. */
  transform: ElastixTransform;
  /** Output grid (any grid of the fixed space, e.g. the full-resolution T1). */
  grid: Grid;
  /** `nearest` for labels and masks, `linear` for intensities. */
  interpolation: Interpolation;
  /** Value outside the moving image. */
  defaultValue?: number;
}

/** Result of {@link applyTransform}. */
export interface ApplyTransformResult {
  /** Float32 image on `grid`. */
  image: Image;
  elapsedMs: number;
}

/**
 * Resamples `moving` onto `grid` through `transform` with transformix (itk-wasm).
 *
 * @example
 * const { image: atlasInT1 } = await applyTransform({ moving: atlas, transform, grid: gridOf(t1), interpolation: 'nearest' });
 */
export async function applyTransform(options: ApplyTransformOptions): Promise<ApplyTransformResult> {
  const started = performance.now();
  const { grid } = options;
  const maps: ParameterMap[] = options.transform.parameterObject.map((m) => ({
    ...m,
    ResampleInterpolator: [RESAMPLE_INTERPOLATOR[options.interpolation]],
    FinalBSplineInterpolationOrder: ['3'],
    DefaultPixelValue: [String(options.defaultValue ?? 0)],
    ResultImagePixelType: ['float'],
    Size: grid.size.map(String),
    Spacing: grid.spacing.map(String),
    Origin: grid.origin.map(String),
    // elastix stores Direction column-major (ITK's matrix read by columns).
    Direction: [0, 1, 2].flatMap((c) => [0, 1, 2].map((r) => String(grid.direction[r * 3 + c]))),
    Index: ['0', '0', '0'],
  }));
  const { result } = await transformixNode(toFloat32(options.moving), maps as never, {
    outputSize: grid.size,
    outputSpacing: grid.spacing,
    outputOrigin: grid.origin,
    outputDirection: grid.direction,
  });
  const data = result.data instanceof Float32Array ? result.data : Float32Array.from(result.data as ArrayLike<number>);
  return { image: imageOnGrid(grid, data, options.moving.name), elapsedMs: performance.now() - started };
}
