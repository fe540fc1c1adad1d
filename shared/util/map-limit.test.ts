import { describe, expect, it } from 'vitest';
import { mapLimit } from './map-limit.js';

describe('mapLimit', () => {
  it('keeps the items order while calls finish out of order, and never has more than `limit` in flight', async () => {
    // Prepare: later items finish first
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    // Act
    const results = await mapLimit(items, 4, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20 - item));
      inFlight--;
      return `${item}@${index}`;
    });
    // Assess
    expect(results).toEqual(items.map((i) => `${i}@${i}`));
    expect(most).toBe(4);
  });

  it.each([
    { items: [], limit: 4, expected: [] },
    { items: [1, 2], limit: 0, expected: [2, 4] },
  ])('$items.length items at limit $limit → $expected', async ({ items, limit, expected }) => {
    expect(await mapLimit(items, limit, async (n) => n * 2)).toEqual(expected);
  });

  it('rejects with the first failure', async () => {
    await expect(mapLimit([1, 2, 3], 2, async (n) => { if (n === 2) throw new Error('no 2'); return n; })).rejects.toThrow('no 2');
  });
});
