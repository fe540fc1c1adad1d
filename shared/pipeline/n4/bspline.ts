/**
 * Cubic B-spline tools for N4 on regular grids: per-axis basis tables, Lee–Wolberg–Shin scattered-data
 * approximation (single level, as ITK's BSplineScatteredDataPointSetToImageFilter with
 * `NumberOfLevels = 1`, which N4 calls once per iteration), evaluation, and exact lattice refinement
 * (knot doubling, as ITK's `RefineControlPointLattice`). Because N4's points lie on a (shrunk) voxel
 * grid, every sum over the 4×4×4 support factorises per axis: fitting and evaluation are three
 * separable passes, O(voxels × 4) each, instead of O(voxels × 64).
 */

/** Uniform cubic B-spline basis weights at fractional position t ∈ [0, 1), written into w[o..o+3]. */
export function cubicWeights(t: number, w: Float64Array, o: number): void {
  const t2 = t * t, t3 = t2 * t, s = 1 - t;
  w[o] = (s * s * s) / 6;
  w[o + 1] = (3 * t3 - 6 * t2 + 4) / 6;
  w[o + 2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6;
  w[o + 3] = t3 / 6;
}

/**
 * How one image axis maps onto the spline's parametric domain, ANTs-style: the domain covers the
 * axis extent rounded up to whole spans of `distanceMm`, centred (ANTs pads the image to get this).
 */
export interface AxisDomain {
  /** Spans at the first level (≥ 1). */
  spans0: number;
  /** Domain length in (full-resolution) index units. */
  lengthIdx: number;
  /** Index offset so that index 0 sits `padIdx` inside the domain. */
  padIdx: number;
}

/** Builds the {@link AxisDomain} of an axis with `n` voxels of `spacingMm`. */
export function axisDomain(n: number, spacingMm: number, distanceMm: number): AxisDomain {
  const extentMm = Math.max(n - 1, 1) * spacingMm;
  const spans0 = Math.max(1, Math.ceil(extentMm / distanceMm - 1e-9));
  const lengthIdx = (spans0 * distanceMm) / spacingMm;
  return { spans0, lengthIdx, padIdx: (lengthIdx - Math.max(n - 1, 1)) / 2 };
}

/** Basis table: for each sample t, the first control point and its 4 weights. */
export interface BasisTable {
  start: Int32Array;
  weights: Float64Array;
  /** weights², weights³ (Lee et al.'s fitting uses both). */
  weights2: Float64Array;
  weights3: Float64Array;
  /** Control points along the axis (spans + 3). */
  controlPoints: number;
}

/**
 * Basis table for samples at full-resolution indices `positions` with `spans` spans.
 *
 * @example
 * const tx = basisTable(axisDomain(182, 1, 200), 1, Float64Array.from({ length: 182 }, (_, i) => i));
 */
export function basisTable(domain: AxisDomain, spans: number, positions: ArrayLike<number>): BasisTable {
  const m = positions.length;
  const start = new Int32Array(m);
  const weights = new Float64Array(4 * m);
  const scale = spans / domain.lengthIdx;
  for (let t = 0; t < m; t++) {
    let u = (positions[t] + domain.padIdx) * scale;
    if (u < 0) u = 0;
    if (u >= spans) u = spans - 1e-9;
    const s = Math.floor(u);
    start[t] = s;
    cubicWeights(u - s, weights, 4 * t);
  }
  const weights2 = weights.map((w) => w * w);
  const weights3 = weights.map((w) => w * w * w);
  return { start, weights, weights2, weights3, controlPoints: spans + 3 };
}

/** A 3-D control-point lattice (x fastest). */
export interface Lattice {
  size: [number, number, number];
  data: Float64Array;
}

/** Sizes of a 3-D array (x fastest). */
export type Dims = [number, number, number];

/**
 * One separable pass along `axis`. 'scatter': out[c] += in[t]·f(w) for c = start[t] + k (fitting);
 * 'gather': out[t] = Σ_k in[start[t] + k]·w (evaluation). `power` raises weights (fitting uses w² and w³).
 */
export function separablePass(input: Float64Array, dims: Dims, axis: number, table: BasisTable, mode: 'scatter' | 'gather', power = 1): { out: Float64Array; dims: Dims } {
  const outDims = dims.slice() as Dims;
  outDims[axis] = mode === 'scatter' ? table.controlPoints : table.start.length;
  const out = new Float64Array(outDims[0] * outDims[1] * outDims[2]);
  const inStride = axis === 0 ? 1 : axis === 1 ? dims[0] : dims[0] * dims[1];
  const outStride = axis === 0 ? 1 : axis === 1 ? outDims[0] : outDims[0] * outDims[1];
  const nSamples = table.start.length;
  const w = power === 1 ? table.weights : power === 2 ? table.weights2 : table.weights3;
  // Iterate over the lines along `axis`.
  // The two other axes, whose lines we walk.
  const o0: number = axis === 0 ? 1 : 0;
  const o1: number = axis === 2 ? 1 : 2;
  const n0 = dims[o0], n1 = dims[o1];
  const inS0 = o0 === 0 ? 1 : o0 === 1 ? dims[0] : dims[0] * dims[1];
  const inS1 = o1 === 0 ? 1 : o1 === 1 ? dims[0] : dims[0] * dims[1];
  const outS0 = o0 === 0 ? 1 : o0 === 1 ? outDims[0] : outDims[0] * outDims[1];
  const outS1 = o1 === 0 ? 1 : o1 === 1 ? outDims[0] : outDims[0] * outDims[1];
  for (let b = 0; b < n1; b++) {
    for (let a = 0; a < n0; a++) {
      const inBase = a * inS0 + b * inS1;
      const outBase = a * outS0 + b * outS1;
      if (mode === 'scatter') {
        for (let t = 0; t < nSamples; t++) {
          const v = input[inBase + t * inStride];
          if (v === 0) continue;
          const c = outBase + table.start[t] * outStride;
          const q = 4 * t;
          out[c] += v * w[q];
          out[c + outStride] += v * w[q + 1];
          out[c + 2 * outStride] += v * w[q + 2];
          out[c + 3 * outStride] += v * w[q + 3];
        }
      } else {
        for (let t = 0; t < nSamples; t++) {
          const c = inBase + table.start[t] * inStride;
          out[outBase + t * outStride] =
            input[c] * w[4 * t] + input[c + inStride] * w[4 * t + 1] + input[c + 2 * inStride] * w[4 * t + 2] + input[c + 3 * inStride] * w[4 * t + 3];
        }
      }
    }
  }
  return { out, dims: outDims };
}

/** Σ_k w_k² for each sample (the per-axis factor of Lee et al.'s Σ B²). */
function sumSquares(table: BasisTable): Float64Array {
  const n = table.start.length;
  const s = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let a = 0;
    for (let k = 0; k < 4; k++) a += table.weights[4 * t + k] ** 2;
    s[t] = a;
  }
  return s;
}

/**
 * Single-level B-spline approximation (Lee, Wolberg & Shin 1997) of values on a regular sample grid:
 * each point spreads φ_c = B_c·z / Σ B² to its 64 control points, weighted by B_c²; a control point
 * takes the B²-weighted mean of those. Points with weight 0 are ignored.
 *
 * @example
 * const lattice = fitLattice(residual, mask, [tx, ty, tz]);
 */
export function fitLattice(values: Float64Array, weights: ArrayLike<number>, tables: [BasisTable, BasisTable, BasisTable]): Lattice {
  const dims: Dims = [tables[0].start.length, tables[1].start.length, tables[2].start.length];
  const [sx, sy, sz] = tables.map(sumSquares);
  const numer = new Float64Array(values.length);
  const denom = new Float64Array(values.length);
  let i = 0;
  for (let z = 0; z < dims[2]; z++) {
    for (let y = 0; y < dims[1]; y++) {
      const syz = sy[y] * sz[z];
      for (let x = 0; x < dims[0]; x++, i++) {
        const w = weights[i];
        if (!w) continue;
        numer[i] = (w * values[i]) / (sx[x] * syz);
        denom[i] = w;
      }
    }
  }
  let n: { out: Float64Array; dims: Dims } = { out: numer, dims };
  let d: { out: Float64Array; dims: Dims } = { out: denom, dims };
  for (let axis = 0; axis < 3; axis++) {
    n = separablePass(n.out, n.dims, axis, tables[axis], 'scatter', 3);
    d = separablePass(d.out, d.dims, axis, tables[axis], 'scatter', 2);
  }
  const data = n.out;
  for (let c = 0; c < data.length; c++) data[c] = d.out[c] > 0 ? data[c] / d.out[c] : 0;
  return { size: n.dims, data };
}

/**
 * Evaluates a lattice at the sample grid described by the tables (x fastest), into `out` if given.
 *
 * @example
 * const logField = evaluateLattice(lattice, [fx, fy, fz]); // full-resolution log bias field
 */
export function evaluateLattice(lattice: Lattice, tables: [BasisTable, BasisTable, BasisTable], out?: Float32Array | Float64Array): Float32Array | Float64Array {
  let cur: { out: Float64Array; dims: Dims } = { out: lattice.data, dims: lattice.size };
  for (let axis = 2; axis >= 0; axis--) cur = separablePass(cur.out, cur.dims, axis, tables[axis], 'gather');
  if (!out) return cur.out;
  out.set(cur.out);
  return out;
}

/**
 * Doubles the spans of a cubic lattice along every axis, exactly (two-scale relation of the cubic
 * B-spline: c'₂q = (c_q + c_q+1)/2, c'₂q+1 = (c_q + 6c_q+1 + c_q+2)/8).
 */
export function refineLattice(lattice: Lattice): Lattice {
  let data = lattice.data;
  const size = lattice.size.slice() as Dims;
  for (let axis = 0; axis < 3; axis++) {
    const n = size[axis];
    const m = 2 * (n - 3) + 3;
    const outSize = size.slice() as Dims;
    outSize[axis] = m;
    const out = new Float64Array(outSize[0] * outSize[1] * outSize[2]);
    const inStride = axis === 0 ? 1 : axis === 1 ? size[0] : size[0] * size[1];
    const outStride = axis === 0 ? 1 : axis === 1 ? outSize[0] : outSize[0] * outSize[1];
    const others = [0, 1, 2].filter((a) => a !== axis);
    const stride = (dims: Dims, a: number) => (a === 0 ? 1 : a === 1 ? dims[0] : dims[0] * dims[1]);
    for (let b = 0; b < size[others[1]]; b++) {
      for (let a = 0; a < size[others[0]]; a++) {
        const ib = a * stride(size, others[0]) + b * stride(size, others[1]);
        const ob = a * stride(outSize, others[0]) + b * stride(outSize, others[1]);
        for (let J = 0; J < m; J++) {
          const q = J >> 1;
          const c = (k: number) => data[ib + k * inStride];
          out[ob + J * outStride] = J % 2 === 0 ? (c(q) + c(q + 1)) / 2 : (c(q) + 6 * c(q + 1) + c(q + 2)) / 8;
        }
      }
    }
    data = out;
    size[axis] = m;
  }
  return { size, data };
}
