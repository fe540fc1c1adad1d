import type { Image } from 'itk-wasm';
import { elastixNode } from '@itk-wasm/elastix';
import { affineMap, bsplineMap, type BSplineMapOptions, type CommonMapOptions, type ParameterMap } from './parameter-maps.js';
import type { ElastixTransform } from './elastix-transform.js';
import { toFloat32 } from './volume.js';

/** Options of {@link registerAffineBSpline}. */
export interface RegisterAffineBSplineOptions {
  /** Subject image (its space is where the results live), at registration resolution (~2 mm). */
  fixed: Image;
  /** Template image (with skull, like the subject). */
  moving: Image;
  /** Overrides of the affine stage. */
  affine?: Partial<CommonMapOptions>;
  /** Overrides of the B-spline stage; `false` stops after the affine stage. */
  bspline?: Partial<BSplineMapOptions> | false;
}

/** Result of {@link registerAffineBSpline}. */
export interface RegisterAffineBSplineResult {
  /** Fixed → moving affine transform alone. */
  affine: ElastixTransform;
  /** Fixed → moving affine∘B-spline transform (equal to `affine` when the B-spline stage is off). */
  transform: ElastixTransform;
  /** The parameter maps that were run (for provenance). */
  parameterMaps: ParameterMap[];
  /** Wall time per stage. */
  elapsedMs: { affine: number; bspline: number };
}

/**
 * Template→subject registration: affine, then cubic B-spline, both mutual information and
 * multi-resolution (elastix, itk-wasm). Two elastix calls so the affine alone is available too.
 *
 * @example
 * const { transform } = await registerAffineBSpline({ fixed: t1At2mm, moving: templateT1 });
 */
export async function registerAffineBSpline(options: RegisterAffineBSplineOptions): Promise<RegisterAffineBSplineResult> {
  const fixed = toFloat32(options.fixed);
  const moving = toFloat32(options.moving);
  const aMap = affineMap(options.affine);
  let started = performance.now();
  const a = await elastixNode([aMap], { fixed, moving });
  const affineObject = a.transformParameterObject as unknown as ParameterMap[];
  const affineMs = performance.now() - started;
  const affine: ElastixTransform = { kind: 'affine', parameterObject: affineObject };
  if (options.bspline === false) {
    return { affine, transform: affine, parameterMaps: [aMap], elapsedMs: { affine: affineMs, bspline: 0 } };
  }
  const bMap = bsplineMap(options.bspline);
  started = performance.now();
  const b = await elastixNode([bMap], { fixed, moving, initialTransformParameterObject: affineObject as never });
  const bspline = b.transformParameterObject as unknown as ParameterMap[];
  // elastix returns only the new stage; chain it after the affine one, as transformix expects.
  const chained = chainAfter(affineObject, bspline);
  return {
    affine,
    transform: { kind: 'affine+bspline', parameterObject: chained },
    parameterMaps: [aMap, bMap],
    elapsedMs: { affine: affineMs, bspline: performance.now() - started },
  };
}

function chainAfter(initial: ParameterMap[], next: ParameterMap[]): ParameterMap[] {
  if (next.length > initial.length) return next; // elastix already returned the whole chain
  return [...initial, ...next];
}
