/** Options of {@link gaussianSmooth}. */
export interface GaussianSmoothOptions {
  /** Full width at half maximum in mm (per axis or one for all). */
  fwhmMm: number | [number, number, number];
  spacing: [number, number, number];
  size: [number, number, number];
}

/** FWHM → Gaussian sigma. */
export const fwhmToSigma = (fwhm: number) => fwhm / (2 * Math.sqrt(2 * Math.log(2)));

/**
 * Separable Gaussian smoothing of a 3-D Float32 volume in place (kernel truncated at 3σ, normalised,
 * edges renormalised so a constant image stays constant). One line buffer per axis.
 *
 * @example
 * gaussianSmooth(pet, { fwhmMm: 6, spacing: [2, 2, 2], size: [91, 109, 91] });
 */
export function gaussianSmooth(data: Float32Array, options: GaussianSmoothOptions): Float32Array {
  const fwhm = typeof options.fwhmMm === 'number' ? [options.fwhmMm, options.fwhmMm, options.fwhmMm] : options.fwhmMm;
  const [nx, ny, nz] = options.size;
  const strides = [1, nx, nx * ny];
  for (let axis = 0; axis < 3; axis++) {
    const sigma = fwhmToSigma(fwhm[axis]) / options.spacing[axis];
    if (!(sigma > 0.05)) continue;
    const radius = Math.max(1, Math.ceil(3 * sigma));
    const kernel = new Float64Array(2 * radius + 1);
    for (let t = -radius; t <= radius; t++) kernel[t + radius] = Math.exp(-(t * t) / (2 * sigma * sigma));
    const n = options.size[axis];
    const stride = strides[axis];
    const line = new Float64Array(n);
    const others = [0, 1, 2].filter((a) => a !== axis);
    const [na, nb] = [options.size[others[0]], options.size[others[1]]];
    for (let b = 0; b < nb; b++) {
      for (let a = 0; a < na; a++) {
        const base = a * strides[others[0]] + b * strides[others[1]];
        for (let t = 0; t < n; t++) line[t] = data[base + t * stride];
        for (let t = 0; t < n; t++) {
          let s = 0, w = 0;
          const lo = Math.max(0, t - radius), hi = Math.min(n - 1, t + radius);
          for (let u = lo; u <= hi; u++) {
            const kw = kernel[u - t + radius];
            s += kw * line[u];
            w += kw;
          }
          data[base + t * stride] = s / w;
        }
      }
    }
  }
  return data;
}
