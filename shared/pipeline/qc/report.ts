import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Grid3 } from '../image/grid.js';
import { encodePng } from './png.js';
import { renderMontage, type Overlay } from './montage.js';

/** Inputs of {@link writeQcReport}: everything on the T1 grid. */
export interface QcReportOptions {
  dir: string;
  grid: Grid3;
  t1: ArrayLike<number>;
  brainMask: ArrayLike<number>;
  atlas: ArrayLike<number>;
  suvr: ArrayLike<number>;
  biasField: ArrayLike<number>;
  /** Figures shown in the report's table (already rounded by the caller as wanted). */
  figures: Record<string, string | number>;
  title?: string;
}

/** Result of {@link writeQcReport}. */
export interface QcReportResult {
  /** Written files, relative to `dir`. */
  files: string[];
}

/**
 * fMRIPrep-style visual QC: PNG montages (brain-mask outline on T1, atlas on T1, SUVR on T1, N4
 * field) and an `index.html` that shows them with the run's QC figures. Self-contained, no scripts.
 *
 * @example
 * await writeQcReport({ dir: join(out, 'qc'), grid, t1, brainMask, atlas, suvr, biasField, figures: { brainDiceProxy: 0.98 } });
 */
export async function writeQcReport(o: QcReportOptions): Promise<QcReportResult> {
  await mkdir(o.dir, { recursive: true });
  const panels: { file: string; caption: string; background: ArrayLike<number>; overlay: Overlay }[] = [
    { file: 'brain_mask.png', caption: 'Brain mask outline on the bias-corrected T1', background: o.t1, overlay: { kind: 'outline', mask: o.brainMask } },
    { file: 'atlas.png', caption: 'Atlas labels warped onto the T1', background: o.t1, overlay: { kind: 'labels', labels: o.atlas } },
    { file: 'suvr.png', caption: 'PET SUVR on the T1 (0.5–2.5, brain mask)', background: o.t1, overlay: { kind: 'heat', values: o.suvr, min: 0.5, max: 2.5, mask: o.brainMask } },
    { file: 'n4_field.png', caption: 'N4 bias field (multiplicative), windowed 1st–99th percentile', background: o.biasField, overlay: { kind: 'none' } },
  ];
  const files: string[] = [];
  for (const p of panels) {
    const m = renderMontage({ background: p.background, grid: o.grid, overlay: p.overlay });
    await writeFile(join(o.dir, p.file), encodePng(m.rgb, m.width, m.height));
    files.push(p.file);
  }
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  const rows = Object.entries(o.figures).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`).join('\n');
  const figs = panels.map((p) => `<figure><img src="${p.file}" alt="${esc(p.caption)}"><figcaption>${esc(p.caption)}</figcaption></figure>`).join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title ?? 'Preprocessing QC')}</title>
<style>body{font-family:sans-serif;margin:2em;background:#111;color:#eee}img{max-width:100%;image-rendering:pixelated}
table{border-collapse:collapse}th,td{padding:.2em .8em;border-bottom:1px solid #444;text-align:left}figure{margin:1.5em 0}</style>
</head><body>
<h1>${esc(o.title ?? 'Preprocessing QC')}</h1>
<p>Axial slices, radiological view (subject's right on the left), anterior up.</p>
<table>
${rows}
</table>
${figs}
</body></html>
`;
  await writeFile(join(o.dir, 'index.html'), html);
  files.push('index.html');
  return { files };
}
