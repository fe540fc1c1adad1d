/**
 * What a perfect pipeline measures on the phantom: frame 0 of the noise-free PET brought onto the T1
 * grid through the true pose, averaged over each true atlas region and over each true reference
 * region, region means divided by reference means.
 */
import { applyAffine, indexToPhysical, voxelVolumeMm3, type Grid3 } from '../image/grid.js';
import { pointSampler, sampleLinear } from './sample.js';
import type { RigidPose } from './subject-pet.js';

/** Reference regions the pipeline may normalise by. */
export type ReferenceName = 'wholeCerebellum' | 'cerebellarGray' | 'pons';

/** Per-region truth. */
export interface RegionTruth {
  index: number;
  name: string;
  voxels: number;
  volumeMm3: number;
  /** Mean of the noise-free PET (uptake units) over the region on the T1 grid. */
  meanUptake: number;
  /** meanUptake / reference mean, per reference. */
  suvr: Record<ReferenceName, number>;
}

/** Options of {@link regionalSuvrTruth}. */
export interface RegionalSuvrOptions {
  t1Grid: Grid3;
  atlas: Uint8Array;
  references: Record<ReferenceName, Uint8Array>;
  petGrid: Grid3;
  cleanPet: Float32Array;
  pose: RigidPose;
  regions: ReadonlyArray<{ index: number; name: string }>;
}

/**
 * Computes the perfect-pipeline regional SUVRs.
 *
 * @example
 * const truth = regionalSuvrTruth({ t1Grid, atlas, references, petGrid, cleanPet, pose, regions });
 * truth.regions[0].suvr.wholeCerebellum;
 */
export function regionalSuvrTruth(o: RegionalSuvrOptions): { referenceMeans: Record<ReferenceName, number>; regions: RegionTruth[] } {
  const sPet = pointSampler(o.petGrid, o.cleanPet);
  const R = o.pose.rotation, t = o.pose.translation;
  const m = indexToPhysical(o.t1Grid);
  const q = new Float64Array(3);
  const sum = new Float64Array(256), count = new Float64Array(256);
  const refNames: ReferenceName[] = ['wholeCerebellum', 'cerebellarGray', 'pons'];
  const refSum = new Float64Array(3), refCount = new Float64Array(3);
  const refs = refNames.map((r) => o.references[r]);
  const [nx, ny, nz] = o.t1Grid.size;
  let v = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        const l = o.atlas[v];
        if (!l && !refs[0][v] && !refs[1][v] && !refs[2][v]) continue;
        applyAffine(m, i, j, k, q);
        // Subject → PET: p = Rᵀ(q − t).
        const a = q[0] - t[0], b = q[1] - t[1], c = q[2] - t[2];
        const value = sampleLinear(sPet, R[0] * a + R[3] * b + R[6] * c, R[1] * a + R[4] * b + R[7] * c, R[2] * a + R[5] * b + R[8] * c);
        if (l) { sum[l] += value; count[l]++; }
        for (let r = 0; r < 3; r++) if (refs[r][v]) { refSum[r] += value; refCount[r]++; }
      }
    }
  }
  const referenceMeans = Object.fromEntries(refNames.map((r, i) => [r, refSum[i] / refCount[i]])) as Record<ReferenceName, number>;
  const vox = voxelVolumeMm3(o.t1Grid);
  const regions = o.regions.map(({ index, name }) => {
    const mean = count[index] ? sum[index] / count[index] : Number.NaN;
    return {
      index,
      name,
      voxels: count[index],
      volumeMm3: count[index] * vox,
      meanUptake: mean,
      suvr: Object.fromEntries(refNames.map((r) => [r, mean / referenceMeans[r]])) as Record<ReferenceName, number>,
    };
  });
  return { referenceMeans, regions };
}
