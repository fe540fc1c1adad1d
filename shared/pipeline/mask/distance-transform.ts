/**
 * Exact squared Euclidean distance transform in millimetres (Felzenszwalb & Huttenlocher 2012: lower
 * envelope of parabolas, one separable pass per axis, O(voxels)), honouring anisotropic spacing. The
 * basis of the ball-shaped morphology: a voxel is within a ball of radius r of the mask exactly when
 * its squared distance to the mask is ≤ r².
 */

/** Size and spacing of a 3-D voxel grid (x fastest). */
export interface MaskGrid {
  size: readonly [number, number, number] | readonly number[];
  spacing: readonly [number, number, number] | readonly number[];
}

/** Options of {@link squaredDistanceToMask}. */
export interface DistanceOptions {
  /** Measure the distance to voxels where the mask is zero instead of non-zero (default false). */
  toBackground?: boolean;
  /** Reusable output (length = voxel count). */
  out?: Float64Array;
}

/**
 * For every voxel, the squared distance (mm²) to the nearest voxel whose mask value is non-zero (or
 * zero, with `toBackground`); Infinity when there is none.
 *
 * @example
 * const d2 = squaredDistanceToMask(brain, { size: [91, 109, 91], spacing: [2, 2, 2] });
 * d2[i] <= 25; // voxel i lies within 5 mm of the brain
 */
export function squaredDistanceToMask(mask: ArrayLike<number>, grid: MaskGrid, options: DistanceOptions = {}): Float64Array {
  const [nx, ny, nz] = grid.size;
  const n = nx * ny * nz;
  if (mask.length !== n) throw new Error(`mask has ${mask.length} voxels, the grid ${n}`);
  const d = options.out ?? new Float64Array(n);
  const bg = options.toBackground === true;
  for (let i = 0; i < n; i++) d[i] = (mask[i] !== 0) !== bg ? 0 : Infinity;
  const longest = Math.max(nx, ny, nz);
  const f = new Float64Array(longest), out = new Float64Array(longest), z = new Float64Array(longest + 1);
  const v = new Int32Array(longest);
  const strides = [1, nx, nx * ny];
  // x: the nearest feature on the same line is found by two linear scans (no parabolas needed yet).
  const sx2 = grid.spacing[0] * grid.spacing[0];
  for (let row = 0; row < ny * nz; row++) {
    const base = row * nx;
    let last = -1;
    for (let i = 0; i < nx; i++) {
      if (d[base + i] === 0) last = i;
      else if (last >= 0) d[base + i] = (i - last) * (i - last) * sx2;
    }
    last = -1;
    for (let i = nx - 1; i >= 0; i--) {
      if (d[base + i] === 0) last = i;
      else if (last >= 0) {
        const e = (last - i) * (last - i) * sx2;
        if (e < d[base + i]) d[base + i] = e;
      }
    }
  }
  for (let axis = 1; axis < 3; axis++) {
    const len = grid.size[axis], stride = strides[axis], s2 = grid.spacing[axis] * grid.spacing[axis];
    const o1 = axis === 0 ? 1 : 0, o2 = axis === 2 ? 1 : 2;
    const n1 = grid.size[o1], n2 = grid.size[o2], st1 = strides[o1], st2 = strides[o2];
    for (let b = 0; b < n2; b++) {
      for (let a = 0; a < n1; a++) {
        const base = a * st1 + b * st2;
        let any = false;
        for (let t = 0; t < len; t++) {
          f[t] = d[base + t * stride];
          if (f[t] !== Infinity) any = true;
        }
        if (!any) continue; // an empty line stays at Infinity
        envelope(f, len, s2, v, z, out);
        for (let t = 0; t < len; t++) d[base + t * stride] = out[t];
      }
    }
  }
  return d;
}

/** 1-D squared distance transform of sampled function f with step² s2 (the parabolas' lower envelope). */
function envelope(f: Float64Array, len: number, s2: number, v: Int32Array, z: Float64Array, out: Float64Array): void {
  let k = -1;
  for (let q = 0; q < len; q++) {
    if (f[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let s = 0;
    for (;;) {
      const p = v[k];
      s = ((f[q] + s2 * q * q) - (f[p] + s2 * p * p)) / (2 * s2 * (q - p));
      if (s <= z[k]) {
        k--;
        if (k < 0) break;
      } else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  let j = 0;
  for (let q = 0; q < len; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    out[q] = s2 * (q - p) * (q - p) + f[p];
  }
}
