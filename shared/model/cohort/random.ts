/**
 * A small seeded pseudo-random generator (sfc32 seeded through splitmix32), so a cohort is a pure function
 * of its seed on every platform and Node version: `Math.random` cannot be seeded.
 *
 * @example
 * const rng = createRandom(42);
 * rng.uniform(); // 0.…, the same on every run
 * rng.normal(0, 1);
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Gaussian with the given mean and standard deviation (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** Integer in [min, max], both inclusive. */
  integer(min: number, max: number): number;
  /** Index drawn with the given (not necessarily normalised) weights. */
  categorical(weights: readonly number[]): number;
}

export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    // sfc32: fast, passes PractRand for the sizes used here, 32-bit integer arithmetic only.
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  let spare: number | undefined;
  const random: Random = {
    uniform: next,
    normal(mean = 0, sd = 1) {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return mean + sd * value;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return mean + sd * r * Math.cos(2 * Math.PI * v);
    },
    bernoulli: (p) => next() < p,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    categorical(weights) {
      const total = weights.reduce((sum, w) => sum + w, 0);
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i];
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
  };
  return random;
}
