/**
 * In-suite header fuzz (issue 8): a small, seeded, reproducible run of the properties that
 * `npm run fuzz:nifti` runs at ≥ 100k cases (test/security/hostile-nifti/fuzz.ts). A failure prints the
 * shrunk case and the seed/path to replay it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PipelineInputError } from '../../shared/pipeline/io/errors.js';
import { checkRefusal, fileProperty, fuzzSeeds, headerProperty, judgeHeader, mutate } from './hostile-nifti/fuzz.js';

const SEED = 20261204;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adni-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('header fuzz (seeded)', () => {
  test('the properties can fail: an untyped error, a multi-line message and an unbounded grid are violations', () => {
    // Prepare
    const seed = fuzzSeeds()[0];
    // Act
    const untyped = checkRefusal(new TypeError('Cannot read properties of undefined'));
    const multiline = checkRefusal(new PipelineInputError('NOT_NIFTI', 'line one\n    at parse (x.ts:1)'));
    const valid = judgeHeader(mutate(seed, []), 't1');
    // Assess
    expect(untyped).toMatch(/threw a TypeError/);
    expect(multiline).toMatch(/unclear message/);
    expect(valid).toBeUndefined();
  });

  test('3000 mutated headers: each refused with a typed error or accepted as a bounded, plausible grid', () => {
    // Prepare
    const outcomes: Record<string, number> = {};
    // Act
    fc.assert(headerProperty((_ms, outcome) => { outcomes[outcome] = (outcomes[outcome] ?? 0) + 1; }), { numRuns: 3000, seed: SEED });
    // Assess: the run reached past the first checks, not only "not NIfTI".
    expect(outcomes.accepted).toBeGreaterThan(100);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(5);
  });

  test('300 mutated files through the streaming scan: typed refusals or bounded scans, every file removed', async () => {
    // Prepare
    const outcomes = new Set<string>();
    // Act
    await fc.assert(fileProperty(dir, (r) => outcomes.add(r.outcome)), { numRuns: 300, seed: SEED + 1 });
    // Assess
    expect(outcomes).toContain('accepted');
    expect([...outcomes].some((o) => /GZIP/.test(o))).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  }, 120_000);

  test('40 mutated files decoded whole (readNifti): itk-wasm failures surface as typed errors', async () => {
    // Act
    await fc.assert(fileProperty(dir, () => undefined, true), { numRuns: 40, seed: SEED + 2 });
    // Assess
    expect(await readdir(dir)).toEqual([]);
  }, 120_000);
});
