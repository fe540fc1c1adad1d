import { fft } from './fft.js';

/** Histogram-sharpening parameters (ITK N4 defaults: 200 bins, FWHM 0.15, Wiener noise 0.01). */
export interface SharpenOptions {
  bins: number;
  fwhm: number;
  wienerNoise: number;
}

/**
 * N4's histogram sharpening (ITK `SharpenImage`): histogram of the log intensities in the mask
 * (linear bin splatting), Wiener deconvolution of a Gaussian of the given FWHM in the Fourier domain,
 * then the conditional expectation E[u | v] mapped back onto every masked voxel. Writes the sharpened
 * log intensities into `out`. Takes the masked voxels only, as a compact array.
 *
 * @example
 * sharpenLogImage(logUncorrectedInMask, out, { bins: 200, fwhm: 0.15, wienerNoise: 0.01 });
 */
export function sharpenLogImage(logValues: Float64Array, out: Float64Array, o: SharpenOptions): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < logValues.length; i++) {
    const v = logValues[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) {
    out.set(logValues);
    return;
  }
  const bins = o.bins;
  const slope = (hi - lo) / (bins - 1);
  const H = new Float64Array(bins);
  for (let i = 0; i < logValues.length; i++) {
    const c = (logValues[i] - lo) / slope;
    const idx = Math.floor(c);
    const off = c - idx;
    if (off === 0) H[idx] += 1;
    else if (idx < bins - 1) {
      H[idx] += 1 - off;
      H[idx + 1] += off;
    }
  }
  const exponent = Math.ceil(Math.log(bins) / Math.log(2)) + 1;
  const padded = 2 ** exponent;
  const offset = Math.floor(0.5 * (padded - bins));

  const Vr = new Float64Array(padded), Vi = new Float64Array(padded);
  for (let n = 0; n < bins; n++) Vr[n + offset] = H[n];
  fft(Vr, Vi);

  // Gaussian of FWHM (in bins), wrapped around for a circular convolution.
  const scaledFwhm = o.fwhm / slope;
  const expFactor = (4 * Math.log(2)) / (scaledFwhm * scaledFwhm);
  const scaleFactor = (2 * Math.sqrt(Math.log(2) / Math.PI)) / scaledFwhm;
  const Fr = new Float64Array(padded), Fi = new Float64Array(padded);
  Fr[0] = scaleFactor;
  const half = padded / 2;
  for (let n = 1; n <= half; n++) Fr[n] = Fr[padded - n] = scaleFactor * Math.exp(-n * n * expFactor);
  Fr[half] = scaleFactor * Math.exp(-0.25 * padded * padded * expFactor);
  fft(Fr, Fi);

  // Wiener filter G = conj(F) / (|F|² + noise); U = V·G.
  const Ur = new Float64Array(padded), Ui = new Float64Array(padded);
  for (let n = 0; n < padded; n++) {
    const den = Fr[n] * Fr[n] + Fi[n] * Fi[n] + o.wienerNoise;
    const gr = Fr[n] / den, gi = -Fi[n] / den;
    Ur[n] = Vr[n] * gr - Vi[n] * gi;
    Ui[n] = Vr[n] * gi + Vi[n] * gr;
  }
  fft(Ur, Ui, true);
  for (let n = 0; n < padded; n++) {
    Ur[n] = Math.max(Ur[n], 0);
    Ui[n] = 0;
  }

  // E[u | v] = (F ⊗ (u·U)) / (F ⊗ U).
  const Nr = new Float64Array(padded), Ni = new Float64Array(padded);
  for (let n = 0; n < padded; n++) Nr[n] = (lo + (n - offset) * slope) * Ur[n];
  convolveWith(Nr, Ni, Fr, Fi);
  const Dr = Ur, Di = Ui;
  convolveWith(Dr, Di, Fr, Fi);
  const E = new Float64Array(bins);
  for (let n = 0; n < bins; n++) {
    const d = Dr[n + offset];
    E[n] = d !== 0 ? Nr[n + offset] / d : 0;
  }

  for (let i = 0; i < logValues.length; i++) {
    const c = (logValues[i] - lo) / slope;
    const idx = Math.floor(c);
    out[i] = idx < bins - 1 ? E[idx] + (E[idx + 1] - E[idx]) * (c - idx) : E[bins - 1];
  }
}

/** x ← IFFT(FFT(x)·F), with F already transformed. */
function convolveWith(xr: Float64Array, xi: Float64Array, Fr: Float64Array, Fi: Float64Array): void {
  fft(xr, xi);
  for (let n = 0; n < xr.length; n++) {
    const r = xr[n] * Fr[n] - xi[n] * Fi[n];
    xi[n] = xr[n] * Fi[n] + xi[n] * Fr[n];
    xr[n] = r;
  }
  fft(xr, xi, true);
}
