/**
 * Deterministic Fisher-Yates (mulberry32), in place, so a failing event storm replays exactly. Shared by every
 * storm test (core, local, AWS, Azure, Google Cloud).
 *
 * @example
 * const events = shuffle(sessions.flatMap((s) => [s.mri, s.pet, s.mri]), 42);
 */
export function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
