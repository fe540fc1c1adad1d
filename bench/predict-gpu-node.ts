/**
 * The Node half of the GPU-host check (bench/predict-gpu.sh runs it on the lent GPU machine; it also runs on any
 * machine): our real predictor (`createPredictor`) asked for `auto` and `cuda`, which device it chose and what it
 * logged, then CPU inference latency at batch 1 and 1000 measured as bench/predict.ts measures it (`run` on
 * assembled tensors, warm-up first), with 1 intra-op thread (the product default) and with one per core.
 *
 *   node --import tsx bench/predict-gpu-node.ts --json /tmp/node.json [--model-dir model] [--selection-only]
 *     [--tensors FILE]   # also write the batch-1 tensors, so bench/predict-gpu.py times the very same input
 *
 * On the device it runs as an esbuild bundle (no node_modules there); `--selection-only` skips the latency
 * loops (used for the second pass with a stand-in CUDA provider library).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LogFields, Logger } from '../shared/ports/observability.js';
import { assembleBatch } from '../shared/model/assemble-features.js';
import { cudaProviderLibrary } from '../shared/model/cuda-provider-library.js';
import { createPredictor } from '../shared/model/predictor.js';
import { benchHistory, roiFromImaging } from './predict-history.js';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    'model-dir': { type: 'string' },
    iterations: { type: 'string' },
    'selection-only': { type: 'boolean' },
    tensors: { type: 'string' },
  },
});
if (!values.json) throw new Error('--json FILE is required');
const modelDir = path.resolve(values['model-dir'] ?? 'model');
const iterations = Number(values.iterations ?? 2000);
if (!Number.isInteger(iterations) || iterations < 10) throw new Error('--iterations must be a whole number ≥ 10');

class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: LogFields }[] = [];
  debug(message: string, fields?: LogFields) { this.lines.push({ level: 'debug', message, fields }); }
  info(message: string, fields?: LogFields) { this.lines.push({ level: 'info', message, fields }); }
  warn(message: string, fields?: LogFields) { this.lines.push({ level: 'warn', message, fields }); }
  error(message: string, fields?: LogFields) { this.lines.push({ level: 'error', message, fields }); }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: samples.length, p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(sorted[sorted.length - 1]) };
}
async function loop(n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up, as bench/predict.ts
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

/** What `createPredictor` did for one PREDICT_DEVICE value: the device it chose and its log, or its error. */
async function selection(device: 'auto' | 'cuda') {
  const logger = new RecordingLogger();
  const started = performance.now();
  try {
    const predictor = await createPredictor({ device, modelDir, logger });
    const chosen = predictor.device;
    await predictor.release();
    return { requested: device, ok: true, device: chosen, ms: round(performance.now() - started), log: logger.lines };
  } catch (error) {
    return { requested: device, ok: false, error: error instanceof Error ? error.message : String(error), ms: round(performance.now() - started), log: logger.lines };
  }
}

const result: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, arch: process.arch, loadAvg1m: os.loadavg()[0] },
  cudaProviderLibrary: cudaProviderLibrary(),
  selection: [await selection('auto'), await selection('cuda')],
};

if (!values['selection-only']) {
  const latency: Record<string, unknown> = {};
  const threadCounts = [...new Set([1, os.cpus().length])];
  for (const threads of threadCounts) {
    const predictor = await createPredictor({ device: 'cpu', modelDir, threads });
    const history = benchHistory(10, predictor.spec, roiFromImaging);
    const batch1 = assembleBatch([history], predictor.spec);
    const batch1000 = assembleBatch(Array.from({ length: 1000 }, () => history), predictor.spec);
    if (values.tensors) {
      const tensors = { static: [...batch1.static], sequence: [...batch1.sequence], sessions: batch1.sessions, lengths: [...batch1.lengths].map(Number) };
      await writeFile(values.tensors, `${JSON.stringify(tensors)}\n`);
    }
    latency[`cpu, ${threads} intra-op thread${threads === 1 ? '' : 's'}`] = {
      'inference only, batch 1': stats(await loop(iterations, () => predictor.run(batch1))),
      'inference only, batch 1000': stats(await loop(Math.max(20, Math.round(iterations / 50)), () => predictor.run(batch1000))),
    };
    await predictor.release();
  }
  result.input = 'one patient, 10 sessions (bench/predict-history.ts), batch 1000 = the same patient 1000 times';
  result.latencyMs = latency;
}
result.loadAvg1mEnd = os.loadavg()[0];

await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
