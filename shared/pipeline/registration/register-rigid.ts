import type { Image } from 'itk-wasm';
import { elastixNode } from '@itk-wasm/elastix';
import { rigidMap, type CommonMapOptions, type ParameterMap } from './parameter-maps.js';
import type { ElastixTransform } from './elastix-transform.js';
import { toFloat32 } from './volume.js';

/** Options of {@link registerRigid}. */
export interface RegisterRigidOptions {
  /** Image whose space the result lives in (e.g. the T1 at registration resolution). */
  fixed: Image;
  /** Image to align (e.g. the averaged PET). */
  moving: Image;
  /** Overrides of the rigid map's knobs (iterations, samples, levels...). */
  map?: Partial<CommonMapOptions>;
}

/** Result of {@link registerRigid}. */
export interface RegisterRigidResult {
  /** Fixed → moving rigid transform. */
  transform: ElastixTransform;
  /** The parameter map that was run (for provenance). */
  parameterMap: ParameterMap;
  /** Wall time of the elastix call. */
  elapsedMs: number;
}

/**
 * Rigid (Euler, 6 dof) mutual-information registration with elastix (itk-wasm), e.g. PET→T1.
 * Blocks its thread for the whole optimisation: run it in a worker beside other work.
 *
 * @example
 * const { transform } = await registerRigid({ fixed: t1At2mm, moving: petMean });
 */
export async function registerRigid(options: RegisterRigidOptions): Promise<RegisterRigidResult> {
  const parameterMap = rigidMap(options.map);
  const started = performance.now();
  const out = await elastixNode([parameterMap], { fixed: toFloat32(options.fixed), moving: toFloat32(options.moving) });
  return {
    transform: { kind: 'rigid', parameterObject: out.transformParameterObject as unknown as ParameterMap[] },
    parameterMap,
    elapsedMs: performance.now() - started,
  };
}
