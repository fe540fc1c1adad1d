import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { MemoryLogger } from '../../test/support/recorders.js';
import type { ObjectStore } from '../ports/object-store.js';
import { createRoiFeaturesReader } from './roi-features-reader.js';

const KEY = 'preprocessed/PATIENT-7/2024-01-10/roi_features.json';
const features = (hippocampusL: number) => ({
  schemaVersion: 1,
  global: { icvMm3: 1_500_000, brainVolumeMm3: 1_050_000, referenceRegion: 'wholeCerebellum', referenceMean: 1 },
  regions: [
    { index: 1, name: 'Hippocampus_L', volumeMm3: hippocampusL, t1Mean: 0.5, suvrMean: 1.2 },
    { index: 2, name: 'Hippocampus_R', volumeMm3: 3900, t1Mean: 0.5, suvrMean: null },
  ],
  timingsMs: {},
});

/** The real local store, counting the reads that reach it. */
async function countingStore() {
  const store = new FsObjectStore({ root: await mkdtemp(path.join(tmpdir(), 'adni-roi-')), publicBaseUrl: 'http://127.0.0.1:1' });
  const counts = { get: 0 };
  const counted: ObjectStore = Object.assign(Object.create(store), {
    get: (key: string) => {
      counts.get++;
      return store.get(key);
    },
  });
  return { store, counted, counts };
}

describe('roi_features.json reader', () => {
  it('parses the file once per object version (repeat reads cost a HEAD, not a GET)', async () => {
    // Prepare
    const { store, counted, counts } = await countingStore();
    await store.put(KEY, JSON.stringify(features(4000)));
    const reader = createRoiFeaturesReader({ store: counted });
    // Act
    const first = await reader.read(KEY);
    const second = await reader.read(KEY);
    // Assess
    expect(first?.regions[0]).toMatchObject({ name: 'Hippocampus_L', volumeMm3: 4000 });
    expect(second).toEqual(first);
    expect(counts.get).toBe(1);
    expect(reader.stats).toEqual({ hits: 1, misses: 1 });
  });

  it('reads again when the session was re-processed (new version), never serving the stale parse', async () => {
    const { store, counted, counts } = await countingStore();
    await store.put(KEY, JSON.stringify(features(4000)));
    const reader = createRoiFeaturesReader({ store: counted });
    await reader.read(KEY);
    await store.put(KEY, JSON.stringify(features(3500)));
    const updated = await reader.read(KEY);
    expect(updated?.regions[0].volumeMm3).toBe(3500);
    expect(counts.get).toBe(2);
  });

  it.each([
    ['absent', undefined, undefined],
    ['a placeholder from the pass-through pipeline', JSON.stringify({ placeholder: true, note: 'no features' }), 'roi_features.json is a placeholder; session used without imaging'],
    ['not JSON', '{"global":', 'roi_features.json is not JSON; session used without imaging'],
    ['missing the global volumes', JSON.stringify({ regions: [] }), 'roi_features.json lacks usable features; session used without imaging'],
  ])('a file that is %s gives no imaging (a mask), not an error, and logs without the patient id', async (_what, body, message) => {
    const { store } = await countingStore();
    if (body !== undefined) await store.put(KEY, body);
    const logger = new MemoryLogger();
    const reader = createRoiFeaturesReader({ store, logger });
    expect(await reader.read(KEY)).toBeUndefined();
    if (message) expect(logger.lines.map((l) => l.message)).toContain(message);
    expect(logger.text()).not.toContain('PATIENT-7');
  });

  it('keeps at most maxEntries parses', async () => {
    const { store, counted, counts } = await countingStore();
    const keys = ['a', 'b', 'c'].map((s) => `preprocessed/P/${s}/roi_features.json`);
    for (const key of keys) await store.put(key, JSON.stringify(features(4000)));
    const reader = createRoiFeaturesReader({ store: counted, maxEntries: 2 });
    for (const key of keys) await reader.read(key);
    await reader.read(keys[0]); // evicted: read again
    await reader.read(keys[2]); // still cached
    expect(counts.get).toBe(4);
  });
});
