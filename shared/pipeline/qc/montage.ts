import type { Grid3 } from '../image/grid.js';

/** What is drawn over the grey T1 in a montage. */
export type Overlay =
  | { kind: 'none' }
  | { kind: 'outline'; mask: ArrayLike<number> }
  | { kind: 'labels'; labels: ArrayLike<number> }
  | { kind: 'heat'; values: ArrayLike<number>; min: number; max: number; mask?: ArrayLike<number> };

/** Options of {@link renderMontage}. */
export interface MontageOptions {
  /** Background (e.g. the bias-corrected T1, or the N4 field). */
  background: ArrayLike<number>;
  grid: Grid3;
  overlay: Overlay;
  /** Number of axial slices (default 8), spread over the middle 80 % of the slice axis. */
  slices?: number;
  /** Columns of the montage (default 4). */
  columns?: number;
}

/** An RGB picture, rows top to bottom. */
export interface Rgb {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * Axial montage of a 3-D volume with an overlay. The grid axis closest to superior–inferior is the
 * slice axis; in-plane axes are flipped so anterior is up and the subject's left is on the right
 * (radiological), whatever the file's orientation.
 *
 * @example
 * const { rgb, width, height } = renderMontage({ background: t1, grid, overlay: { kind: 'outline', mask } });
 */
export function renderMontage(options: MontageOptions): Rgb {
  const { grid, background, overlay } = options;
  const d = grid.direction;
  // Axis a's LPS direction is column a of the direction matrix.
  const col = (a: number) => [d[a], d[3 + a], d[6 + a]];
  const axes = [0, 1, 2];
  const sAxis = axes.reduce((b, a) => (Math.abs(col(a)[2]) > Math.abs(col(b)[2]) ? a : b), 0);
  const rest = axes.filter((a) => a !== sAxis);
  const xAxis = Math.abs(col(rest[0])[0]) >= Math.abs(col(rest[1])[0]) ? rest[0] : rest[1];
  const yAxis = rest[0] === xAxis ? rest[1] : rest[0];
  // Radiological: patient right (−L) on the left of the picture, so columns run along +L; anterior (−P) up.
  const xFlip = col(xAxis)[0] < 0;
  // Index 0 is the most anterior row when the axis runs towards +P.
  const yFlip = col(yAxis)[1] > 0;
  const sFlip = col(sAxis)[2] < 0;
  const size = grid.size;
  const stride = [1, size[0], size[0] * size[1]];
  const w = size[xAxis], h = size[yAxis], ns = size[sAxis];
  const count = options.slices ?? 8;
  const columns = options.columns ?? 4;
  const rows = Math.ceil(count / columns);
  const W = w * columns, H = h * rows;
  const rgb = new Uint8Array(W * H * 3);
  const [lo, hi] = robustRange(background);
  for (let s = 0; s < count; s++) {
    const frac = 0.1 + (0.8 * (s + 0.5)) / count;
    let k = Math.min(ns - 1, Math.floor(frac * ns));
    if (sFlip) k = ns - 1 - k;
    const ox = (s % columns) * w, oy = Math.floor(s / columns) * h;
    for (let py = 0; py < h; py++) {
      const j = yFlip ? py : h - 1 - py;
      for (let px = 0; px < w; px++) {
        const i = xFlip ? w - 1 - px : px;
        const v = i * stride[xAxis] + j * stride[yAxis] + k * stride[sAxis];
        const g = Math.max(0, Math.min(255, Math.round(((background[v] - lo) / (hi - lo || 1)) * 255)));
        let r = g, gg = g, b = g;
        if (overlay.kind === 'outline') {
          if (overlay.mask[v] && isEdge(overlay.mask, v, i, j, w, h, stride[xAxis], stride[yAxis])) { r = 255; gg = 40; b = 40; }
        } else if (overlay.kind === 'labels') {
          const l = overlay.labels[v];
          if (l > 0) { const c = labelColour(l); r = (g + c[0]) >> 1; gg = (g + c[1]) >> 1; b = (g + c[2]) >> 1; }
        } else if (overlay.kind === 'heat') {
          if (!overlay.mask || overlay.mask[v]) {
            const t = (overlay.values[v] - overlay.min) / (overlay.max - overlay.min || 1);
            if (t > 0) { const c = hot(Math.min(1, t)); r = Math.round(0.4 * g + 0.6 * c[0]); gg = Math.round(0.4 * g + 0.6 * c[1]); b = Math.round(0.4 * g + 0.6 * c[2]); }
          }
        }
        const o = ((oy + py) * W + ox + px) * 3;
        rgb[o] = r; rgb[o + 1] = gg; rgb[o + 2] = b;
      }
    }
  }
  // About one picture pixel per millimetre: coarse (2 mm) grids are enlarged by whole pixels.
  const minSpacing = Math.min(grid.spacing[xAxis], grid.spacing[yAxis]);
  const scale = Math.max(1, Math.round(minSpacing));
  return scale === 1 ? { rgb, width: W, height: H } : upscale({ rgb, width: W, height: H }, scale);
}

/** Nearest-neighbour enlargement by a whole factor. */
function upscale(p: Rgb, f: number): Rgb {
  const width = p.width * f, height = p.height * f;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < width; x++) {
      const s = (sy * p.width + Math.floor(x / f)) * 3, o = (y * width + x) * 3;
      rgb[o] = p.rgb[s]; rgb[o + 1] = p.rgb[s + 1]; rgb[o + 2] = p.rgb[s + 2];
    }
  }
  return { rgb, width, height };
}

function isEdge(mask: ArrayLike<number>, v: number, i: number, j: number, w: number, h: number, sx: number, sy: number): boolean {
  return i === 0 || j === 0 || i === w - 1 || j === h - 1 || !mask[v - sx] || !mask[v + sx] || !mask[v - sy] || !mask[v + sy];
}

/** 1st–99th percentile of the non-zero values (sampled), for display windowing. */
function robustRange(values: ArrayLike<number>): [number, number] {
  const step = Math.max(1, Math.floor(values.length / 200_000));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) if (values[i] !== 0 && Number.isFinite(values[i])) sample.push(values[i]);
  if (!sample.length) return [0, 1];
  sample.sort((a, b) => a - b);
  return [sample[Math.floor(0.01 * (sample.length - 1))], sample[Math.floor(0.99 * (sample.length - 1))]];
}

/** A stable, well-spread colour per label (golden-angle hue). */
function labelColour(l: number): [number, number, number] {
  const hue = (l * 137.508) % 360;
  const c = 1, x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** "Hot" colour map: black → red → yellow → white. */
function hot(t: number): [number, number, number] {
  return [Math.round(255 * Math.min(1, 3 * t)), Math.round(255 * Math.min(1, Math.max(0, 3 * t - 1))), Math.round(255 * Math.min(1, Math.max(0, 3 * t - 2)))];
}
