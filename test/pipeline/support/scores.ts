/**
 * Accuracy scores of a pipeline run against ground truth: Dice of binary masks and mean per-label
 * Dice of two label images (labels present in either).
 */

/** Dice overlap of two binary masks (non-zero = in). */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let na = 0, nb = 0, both = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0, y = b[i] !== 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return (2 * both) / (na + nb);
}

/** Dice per label (every label > 0 present in either image) and their mean. */
export function labelDice(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; byLabel: Map<number, number> } {
  const counts = new Map<number, [number, number, number]>();
  const get = (l: number) => { let e = counts.get(l); if (!e) { e = [0, 0, 0]; counts.set(l, e); } return e; };
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x > 0) get(x)[0]++;
    if (y > 0) get(y)[1]++;
    if (x > 0 && x === y) get(x)[2]++;
  }
  const byLabel = new Map<number, number>();
  for (const [l, [na, nb, both]] of counts) byLabel.set(l, (2 * both) / (na + nb));
  const values = [...byLabel.values()];
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, byLabel };
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
