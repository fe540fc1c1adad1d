/**
 * Resampling many template images through one deformable transform, fast: instead of one transformix
 * call per image on the full-resolution subject grid (a cubic B-spline evaluated at millions of points
 * each time, single-threaded wasm), transformix maps the template's *coordinates* once onto a coarse
 * copy of the subject grid (three images x, y, z: a linear function is interpolated exactly), and every
 * template image is then sampled in TypeScript through that point map, trilinearly interpolated to the
 * fine grid. The B-spline is smooth on the scale of its 16 mm control grid, so interpolating the map from
 * ~2 mm to 1 mm changes mapped points by far less than a voxel.
 */
import type { Image } from 'itk-wasm';
import { physicalToIndex, type Grid3 } from '../image/grid.js';
import { makeImage } from '../image/allocate.js';

/** Value transformix writes where the mapped point leaves the template box. */
export const OUTSIDE = -1e9;

/** A coarse copy of `fine` whose voxel 0 is fine voxel 0, `factor` fine voxels apart, covering all of it. */
export interface CoarseGrid {
  grid: Grid3;
  factor: [number, number, number];
}

/**
 * The coarse grid for a point map: about `targetSpacingMm`, whole factors of the fine spacing.
 *
 * @example
 * const { grid, factor } = coarseGridFor(gridOf(t1), 2); // 1 mm T1 → factor [2, 2, 2]
 */
export function coarseGridFor(fine: Grid3, targetSpacingMm: number): CoarseGrid {
  const factor = fine.spacing.map((s) => Math.max(1, Math.round(targetSpacingMm / s))) as [number, number, number];
  const size = fine.size.map((n, a) => Math.ceil((n - 1) / factor[a]) + 1) as [number, number, number];
  return { grid: { size, spacing: fine.spacing.map((s, a) => s * factor[a]) as [number, number, number], origin: [...fine.origin], direction: Array.from(fine.direction) }, factor };
}

/**
 * Three float32 images on the template grid holding each voxel's physical x, y and z: what transformix
 * warps to build the point map.
 *
 * @example
 * const [cx, cy, cz] = coordinateImages(gridOf(templateT1));
 */
export function coordinateImages(template: Grid3): [Image, Image, Image] {
  const [nx, ny, nz] = template.size;
  const out = [0, 1, 2].map(() => new Float32Array(nx * ny * nz));
  const d = template.direction, s = template.spacing, o = template.origin;
  let v = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    for (let a = 0; a < 3; a++) out[a][v] = o[a] + d[a * 3] * i * s[0] + d[a * 3 + 1] * j * s[1] + d[a * 3 + 2] * k * s[2];
  }
  return out.map((data, a) => makeImage(template, { data, name: `coordinate-${a}` })) as [Image, Image, Image];
}

/** How {@link sampleThroughPointMap} reads one template image. */
export interface MappedImage {
  data: ArrayLike<number>;
  /**
   * `linear` (masks, intensities), `nearest`, or `label`: the label whose trilinear weight among the 8
   * neighbours is largest (label-wise linear interpolation: smooth boundaries when a coarse atlas lands
   * on a finer grid, and never a label that is not there).
   */
  interpolation: 'linear' | 'nearest' | 'label';
}

/** Options of {@link sampleThroughPointMap}. */
export interface SampleThroughPointMapOptions {
  /** Warped coordinate images (x, y, z) on `coarse.grid`. */
  map: [Float32Array, Float32Array, Float32Array];
  coarse: CoarseGrid;
  /** Output grid (the full-resolution subject grid `coarse` was made from). */
  fine: Grid3;
  /** Grid of the template images. */
  template: Grid3;
  images: MappedImage[];
}

/**
 * Samples template images onto the fine subject grid through a point map: per fine voxel, the template
 * point is interpolated trilinearly from the coarse map, then each image is read there (trilinear or
 * nearest; 0 outside the template). One pass over the fine grid for all images; no per-voxel allocation.
 *
 * @example
 * const [mask, atlas] = sampleThroughPointMap({ map, coarse, fine, template, images: [{ data: m, interpolation: 'linear' }, { data: l, interpolation: 'nearest' }] });
 */
export function sampleThroughPointMap(o: SampleThroughPointMapOptions): Float32Array[] {
  const [nx, ny, nz] = o.fine.size;
  const [cx, cy] = o.coarse.grid.size;
  const [fx, fy, fz] = o.coarse.factor;
  const [tx, ty, tz] = o.template.size;
  const txy = tx * ty;
  const toIndex = physicalToIndex(o.template);
  const outs = o.images.map(() => new Float32Array(nx * ny * nz));
  const [mx, my, mz] = o.map;
  const labels = new Float64Array(8), weights = new Float64Array(8);
  let v = 0;
  for (let k = 0; k < nz; k++) {
    const ck = Math.min(Math.floor(k / fz), o.coarse.grid.size[2] - 2 < 0 ? 0 : o.coarse.grid.size[2] - 2), wk = k / fz - ck;
    for (let j = 0; j < ny; j++) {
      const cj = Math.min(Math.floor(j / fy), cy - 2 < 0 ? 0 : cy - 2), wj = j / fy - cj;
      for (let i = 0; i < nx; i++, v++) {
        const ci = Math.min(Math.floor(i / fx), cx - 2 < 0 ? 0 : cx - 2), wi = i / fx - ci;
        const b = ci + cx * (cj + cy * ck);
        const sx = 1, sy = cx, sz = cx * cy;
        // Any corner outside the template box: the point is (nearly) outside, all images read 0.
        if (mx[b] < -1e8 || mx[b + sx] < -1e8 || mx[b + sy] < -1e8 || mx[b + sy + sx] < -1e8 ||
            mx[b + sz] < -1e8 || mx[b + sz + sx] < -1e8 || mx[b + sz + sy] < -1e8 || mx[b + sz + sy + sx] < -1e8) continue;
        const px = tri(mx, b, sx, sy, sz, wi, wj, wk), py = tri(my, b, sx, sy, sz, wi, wj, wk), pz = tri(mz, b, sx, sy, sz, wi, wj, wk);
        const fi = toIndex[0] * px + toIndex[1] * py + toIndex[2] * pz + toIndex[3];
        const fj = toIndex[4] * px + toIndex[5] * py + toIndex[6] * pz + toIndex[7];
        const fk = toIndex[8] * px + toIndex[9] * py + toIndex[10] * pz + toIndex[11];
        for (let m = 0; m < o.images.length; m++) {
          const img = o.images[m];
          if (img.interpolation === 'label') {
            outs[m][v] = majorityLabel(img.data, fi, fj, fk, tx, ty, tz, labels, weights);
          } else if (img.interpolation === 'nearest') {
            const ri = Math.round(fi), rj = Math.round(fj), rk = Math.round(fk);
            if (ri >= 0 && rj >= 0 && rk >= 0 && ri < tx && rj < ty && rk < tz) outs[m][v] = img.data[ri + tx * rj + txy * rk];
          } else {
            outs[m][v] = trilinear(img.data, fi, fj, fk, tx, ty, tz);
          }
        }
      }
    }
  }
  return outs;
}

/** The label with the largest summed trilinear weight among the 8 neighbours (0 outside). */
function majorityLabel(d: ArrayLike<number>, fi: number, fj: number, fk: number, nx: number, ny: number, nz: number, labels: Float64Array, weights: Float64Array): number {
  if (fi < -0.5 || fj < -0.5 || fk < -0.5 || fi > nx - 0.5 || fj > ny - 0.5 || fk > nz - 0.5) return 0;
  const x = Math.min(Math.max(fi, 0), nx - 1), y = Math.min(Math.max(fj, 0), ny - 1), z = Math.min(Math.max(fk, 0), nz - 1);
  const i0 = Math.min(Math.floor(x), nx - 2), j0 = Math.min(Math.floor(y), ny - 2), k0 = Math.min(Math.floor(z), nz - 2);
  const u = x - i0, w = y - j0, t = z - k0;
  let n = 0;
  for (let c = 0; c < 8; c++) {
    const di = c & 1, dj = (c >> 1) & 1, dk = (c >> 2) & 1;
    const wt = (di ? u : 1 - u) * (dj ? w : 1 - w) * (dk ? t : 1 - t);
    const l = d[i0 + di + nx * (j0 + dj) + nx * ny * (k0 + dk)];
    let found = -1;
    for (let q = 0; q < n; q++) if (labels[q] === l) { found = q; break; }
    if (found < 0) { labels[n] = l; weights[n] = wt; n++; } else weights[found] += wt;
  }
  let best = 0;
  for (let q = 1; q < n; q++) if (weights[q] > weights[best]) best = q;
  return labels[best];
}

function tri(d: Float32Array, b: number, sx: number, sy: number, sz: number, u: number, w: number, t: number): number {
  const c00 = d[b] + (d[b + sx] - d[b]) * u;
  const c10 = d[b + sy] + (d[b + sy + sx] - d[b + sy]) * u;
  const c01 = d[b + sz] + (d[b + sz + sx] - d[b + sz]) * u;
  const c11 = d[b + sz + sy] + (d[b + sz + sy + sx] - d[b + sz + sy]) * u;
  const c0 = c00 + (c10 - c00) * w, c1 = c01 + (c11 - c01) * w;
  return c0 + (c1 - c0) * t;
}

/** Trilinear value at continuous index (fi, fj, fk), 0 outside (half a voxel of border clamping). */
function trilinear(d: ArrayLike<number>, fi: number, fj: number, fk: number, nx: number, ny: number, nz: number): number {
  if (fi < -0.5 || fj < -0.5 || fk < -0.5 || fi > nx - 0.5 || fj > ny - 0.5 || fk > nz - 0.5) return 0;
  const x = Math.min(Math.max(fi, 0), nx - 1), y = Math.min(Math.max(fj, 0), ny - 1), z = Math.min(Math.max(fk, 0), nz - 1);
  const i0 = Math.min(Math.floor(x), nx - 2), j0 = Math.min(Math.floor(y), ny - 2), k0 = Math.min(Math.floor(z), nz - 2);
  const u = x - i0, w = y - j0, t = z - k0;
  const sy = nx, sz = nx * ny, b = i0 + sy * j0 + sz * k0;
  const c00 = d[b] + (d[b + 1] - d[b]) * u;
  const c10 = d[b + sy] + (d[b + sy + 1] - d[b + sy]) * u;
  const c01 = d[b + sz] + (d[b + sz + 1] - d[b + sz]) * u;
  const c11 = d[b + sz + sy] + (d[b + sz + sy + 1] - d[b + sz + sy]) * u;
  const c0 = c00 + (c10 - c00) * w, c1 = c01 + (c11 - c01) * w;
  return c0 + (c1 - c0) * t;
}
