/**
 * N4 bias-field correction (Tustison et al., IEEE TMI 2010), following ITK's
 * N4BiasFieldCorrectionImageFilter step by step, with ANTs' command-line conventions (shrink factor,
 * B-spline distance in mm):
 *
 *  1. shrink the image and mask by sampling every `shrinkFactor`-th voxel (ITK ShrinkImageFilter);
 *     without a mask, Otsu's foreground of those samples;
 *  2. take log intensities inside the mask (voxels ≤ 0 are left out), kept as compact arrays;
 *  3. per fitting level, iterate: sharpen the histogram of the current log-corrected image (Wiener
 *     deconvolution of a Gaussian, FWHM 0.15, 200 bins), fit the residual log field with a single-level
 *     cubic B-spline (Lee–Wolberg–Shin) on the current control-point mesh, add it to the total lattice,
 *     stop when the coefficient of variation of exp(Δ field) in the mask falls below the threshold;
 *  4. refine the lattice (double the spans) between levels;
 *  5. evaluate the final lattice at every full-resolution voxel; corrected = input / exp(log field).
 *
 * Speed: every per-iteration loop runs over the masked shrunk voxels only (see masked-fit.ts) and the
 * full-resolution field is one fused pass (docs/BENCHMARKS.md, "N4", has measured figures against native
 * ITK on a 1 mm T1).
 */
import type { Image } from 'itk-wasm';
import { allocateLike, toFloat32 } from '../image/allocate.js';
import { otsuMask } from '../mask/otsu.js';
import { axisDomain, basisTable, refineLattice, separablePass, type BasisTable, type Lattice } from './bspline.js';
import { evaluateMaskedLevel, fitMaskedLevel, prepareMaskedLevel } from './masked-fit.js';
import { sharpenLogImage } from './sharpen.js';

/** N4 parameters; defaults are sMRIPrep's (4 levels × 50 iterations, 200 mm mesh, shrink 4). */
export interface N4Options {
  /** Voxels used to estimate the field (non-zero = in), on the image grid. Default: see `defaultMask`. */
  mask?: ArrayLike<number>;
  /** Without `mask`: 'otsu' (foreground above Otsu's threshold of the shrunk samples, default) or 'positive' (every voxel > 0). */
  defaultMask?: 'otsu' | 'positive';
  /** Shrink factor for the estimation (default 4). */
  shrinkFactor?: number;
  /** Iterations per fitting level; its length is the number of levels (default [50, 50, 50, 50]). */
  maxIterations?: number[];
  /** Stop a level when CV of exp(Δ log field) in the mask is below this (default 0.001). */
  convergenceThreshold?: number;
  /** B-spline control-point spacing at the first level, mm (default 200). */
  splineDistanceMm?: number;
  /** Histogram bins for sharpening (default 200). */
  histogramBins?: number;
  /** FWHM of the Gaussian blurring the log-intensity histogram (default 0.15). */
  biasFieldFwhm?: number;
  /** Wiener filter noise (default 0.01). */
  wienerNoise?: number;
}

/** Result of {@link n4BiasFieldCorrection}. */
export interface N4Result {
  /** input / biasField, float32, on the input grid. */
  corrected: Image;
  /** The multiplicative field, float32, on the input grid (smooth, ≈ 1 on average). */
  biasField: Image;
  /** Iterations run per level. */
  iterations: number[];
  /** Last convergence measure per level. */
  convergence: number[];
  /** Control points per axis at the last level. */
  controlPoints: [number, number, number];
  /** Voxels of the shrunk image used in the fit. */
  fitVoxels: number;
}

/**
 * Runs N4 on a 3-D image.
 *
 * @example
 * const { corrected, biasField } = n4BiasFieldCorrection(t1, { mask: brainMask.data });
 */
export function n4BiasFieldCorrection(image: Image, options: N4Options = {}): N4Result {
  if (image.imageType.dimension !== 3) throw new Error('N4 needs a 3-D image');
  const shrink = Math.max(1, Math.round(options.shrinkFactor ?? 4));
  const maxIterations = options.maxIterations ?? [50, 50, 50, 50];
  const threshold = options.convergenceThreshold ?? 0.001;
  const distance = options.splineDistanceMm ?? 200;
  const sharpen = { bins: options.histogramBins ?? 200, fwhm: options.biasFieldFwhm ?? 0.15, wienerNoise: options.wienerNoise ?? 0.01 };

  const input = toFloat32(image);
  const [nx, ny, nz] = image.size;
  const spacing = image.spacing;
  if (options.mask && options.mask.length !== input.length) throw new Error(`N4 mask has ${options.mask.length} voxels, the image ${input.length}`);

  // 1. Shrink by sampling (positions are full-resolution indices of the samples).
  const pos = [nx, ny, nz].map((n) => {
    const m = Math.max(1, Math.floor(n / shrink));
    const off = Math.min(Math.floor(shrink / 2), n - 1);
    return Float64Array.from({ length: m }, (_, t) => Math.min(t * shrink + off, n - 1));
  });
  const [mx, my, mz] = pos.map((p) => p.length);
  const M = mx * my * mz;
  const shrunk = new Float32Array(M);
  const shrunkMask = new Uint8Array(M);
  for (let k = 0, o = 0; k < mz; k++) {
    for (let j = 0; j < my; j++) {
      const row = pos[1][j] * nx + pos[2][k] * nx * ny;
      for (let i = 0; i < mx; i++, o++) {
        const src = row + pos[0][i];
        shrunk[o] = input[src];
        shrunkMask[o] = options.mask ? (options.mask[src] !== 0 ? 1 : 0) : 1;
      }
    }
  }
  // Without a mask: Otsu's foreground, thresholded on the samples N4 uses (the same histogram, 1/shrink³
  // of the work of thresholding the full image).
  if (!options.mask && (options.defaultMask ?? 'otsu') === 'otsu') shrunkMask.set(otsuMask(shrunk));

  // 2. Log intensities inside the mask; non-positive voxels cannot be logged and are left out.
  let fitVoxels = 0;
  for (let o = 0; o < M; o++) if (shrunkMask[o] && shrunk[o] > 0) fitVoxels++;
  if (fitVoxels < 64) throw new Error(`N4: only ${fitVoxels} voxels in the mask after shrinking; nothing to fit`);
  // Masked voxels kept compact: every per-iteration loop runs over them only.
  const idx = new Int32Array(fitVoxels);
  const logI = new Float64Array(fitVoxels);
  for (let o = 0, n = 0; o < M; o++) {
    if (shrunkMask[o] && shrunk[o] > 0) {
      idx[n] = o;
      logI[n++] = Math.log(shrunk[o]);
    }
  }

  const domains = [0, 1, 2].map((a) => axisDomain(image.size[a], spacing[a], distance));
  const logBias = new Float64Array(fitVoxels);
  const logU = new Float64Array(fitVoxels);
  const sharp = new Float64Array(fitVoxels);
  const residual = new Float64Array(fitVoxels);
  const deltaAt = new Float64Array(fitVoxels);
  let lattice: Lattice | undefined;
  const iterations: number[] = [];
  const convergence: number[] = [];
  let spans = domains.map((d) => d.spans0);

  for (let level = 0; level < maxIterations.length; level++) {
    spans = domains.map((d) => d.spans0 * 2 ** level);
    const tables = [0, 1, 2].map((a) => basisTable(domains[a], spans[a], pos[a])) as [BasisTable, BasisTable, BasisTable];
    const fitter = prepareMaskedLevel(tables, idx, [mx, my, mz]);
    let cv = Infinity;
    let it = 0;
    while (it < maxIterations[level] && cv > threshold) {
      it++;
      for (let n = 0; n < fitVoxels; n++) logU[n] = logI[n] - logBias[n];
      sharpenLogImage(logU, sharp, sharpen);
      for (let n = 0; n < fitVoxels; n++) residual[n] = logU[n] - sharp[n];
      const delta = fitMaskedLevel(fitter, residual);
      if (lattice) for (let c = 0; c < lattice.data.length; c++) lattice.data[c] += delta.data[c];
      else lattice = delta;
      evaluateMaskedLevel(fitter, delta, deltaAt);
      // Convergence as ITK: CV of exp(old − new) over the mask.
      let mean = 0, m2 = 0;
      for (let n = 0; n < fitVoxels; n++) {
        const d = deltaAt[n];
        logBias[n] += d;
        const e = Math.exp(-d);
        const diff = e - mean;
        mean += diff / (n + 1);
        m2 += diff * (e - mean);
      }
      cv = Math.sqrt(m2 / (fitVoxels - 1)) / mean;
    }
    iterations.push(it);
    convergence.push(cv);
    // 4. Refine the mesh for the next level (exact: the field does not change).
    if (level < maxIterations.length - 1 && lattice) lattice = refineLattice(lattice);
  }

  // 5. Full-resolution field from the final lattice: two separable gathers (z, y) onto a small
  // x-collapsed array, then the x gather fused with exp and the division, straight into float32.
  const fullTables = [0, 1, 2].map((a) =>
    basisTable(domains[a], spans[a], Float64Array.from({ length: image.size[a] }, (_, t) => t)),
  ) as [BasisTable, BasisTable, BasisTable];
  const field = new Float32Array(input.length);
  const corrected = new Float32Array(input.length);
  if (lattice) {
    let g = separablePass(lattice.data, lattice.size, 2, fullTables[2], 'gather');
    g = separablePass(g.out, g.dims, 1, fullTables[1], 'gather');
    const G = g.out, tx = fullTables[0], w = tx.weights, cx = tx.controlPoints;
    for (let r = 0, o = 0; r < ny * nz; r++) {
      const rowBase = r * cx;
      for (let i = 0; i < nx; i++, o++) {
        const c = rowBase + tx.start[i], q = 4 * i;
        const b = Math.exp(G[c] * w[q] + G[c + 1] * w[q + 1] + G[c + 2] * w[q + 2] + G[c + 3] * w[q + 3]);
        field[o] = b;
        corrected[o] = input[o] / b;
      }
    }
  } else {
    field.fill(1);
    corrected.set(input);
  }
  const correctedImage = allocateLike(image, { componentType: 'float32', name: 'n4-corrected' });
  correctedImage.data = corrected;
  const fieldImage = allocateLike(image, { componentType: 'float32', name: 'n4-bias-field' });
  fieldImage.data = field;
  return {
    corrected: correctedImage,
    biasField: fieldImage,
    iterations,
    convergence,
    controlPoints: spans.map((s) => s + 3) as [number, number, number],
    fitVoxels,
  };
}
