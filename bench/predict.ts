/**
 * `npm run bench:predict`: prediction latency and memory on this machine.
 *
 * - cold start: importing onnxruntime-node, reading model.json and creating the session (once per process);
 * - `predict()` for one patient with 10 sessions whose imaging comes as roi_features.json (AAL3 regions),
 *   i.e. feature assembly + inference, the work of a request minus I/O;
 * - `POST /predict-progression` through the hono app in-process, and over HTTP on loopback (node-server);
 * - inference alone (`run`) at batch 1 and batch 1000;
 * - RSS after loading and at the end.
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/predict.json).
 * Bounded loops, not a timed test: figures depend on the machine (stated in the output).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const processStart = performance.now();
const { values } = parseArgs({ options: { json: { type: 'string' }, iterations: { type: 'string' }, device: { type: 'string' } } });
const iterations = Number(values.iterations ?? 2000);
if (!Number.isInteger(iterations) || iterations < 10) throw new Error('--iterations must be a whole number ≥ 10');
const jsonOut = values.json ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'predict.json');

const { createPredictor } = await import('../shared/model/predictor.js');
const coldStart = performance.now();
const predictor = await createPredictor({ device: (values.device as 'auto' | 'cpu' | 'cuda' | undefined) ?? 'auto' });
const coldStartMs = performance.now() - coldStart;
const rssAfterLoad = process.memoryUsage().rss;

const { benchHistory, roiFromImaging } = await import('./predict-history.js');
const history = benchHistory(10, predictor.spec, roiFromImaging);

const firstCall = performance.now();
await predictor.predict([history]);
const firstPredictMs = performance.now() - firstCall;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: samples.length, p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(sorted[sorted.length - 1]) };
}
function round(ms: number) {
  return Math.round(ms * 1000) / 1000;
}
async function loop(n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

const { assembleBatch } = await import('../shared/model/assemble-features.js');
const predictSamples = await loop(iterations, () => predictor.predict([history]));
const assembleSamples = await loop(iterations, async () => assembleBatch([history], predictor.spec));
const batch1 = assembleBatch([history], predictor.spec);
const run1Samples = await loop(iterations, () => predictor.run(batch1));
const batch1000 = assembleBatch(Array.from({ length: 1000 }, () => history), predictor.spec);
const run1000Samples = await loop(Math.max(20, Math.round(iterations / 50)), () => predictor.run(batch1000));

// The API: hono app in-process and over loopback HTTP, one patient known to the history source.
const { createApiApp } = await import('../shared/api/app.js');
const { FsObjectStore } = await import('../providers/local/fs-object-store.js');
const { silentLogger } = await import('../shared/ports/observability.js');
const store = new FsObjectStore({ root: await mkdtemp(path.join(os.tmpdir(), 'adni-bench-')), publicBaseUrl: 'http://127.0.0.1:1' });
const app = createApiApp({
  store,
  logger: silentLogger,
  // The source hands out the same object: building a history is the source's cost (FHIR reads), not measured here.
  prediction: { predictor, history: { get: async (id) => (id === history.patientId ? history : undefined) } },
});
const body = JSON.stringify({ patient_id: history.patientId });
const init = () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
const appSamples = await loop(iterations, async () => {
  const response = await app.request('/predict-progression', init());
  if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
  await response.arrayBuffer();
});
const { serve } = await import('@hono/node-server');
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const port = (server.address() as { port: number }).port;
const httpStarted = performance.now();
const httpSamples = await loop(iterations, async () => {
  const response = await fetch(`http://127.0.0.1:${port}/predict-progression`, init());
  if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
  await response.arrayBuffer();
});
const httpSeconds = (performance.now() - httpStarted) / 1000;
await new Promise((resolve) => server.close(resolve));
const rssEnd = process.memoryUsage().rss;

const result = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvg1m: os.loadavg()[0] },
  model: { ...predictor.model, device: predictor.device },
  input: 'one patient, 10 sessions (scores each visit, imaging as roi_features.json with AAL3-named regions)',
  coldStart: { createPredictorMs: round(coldStartMs), firstPredictMs: round(firstPredictMs), sinceProcessStartMs: round(coldStart - processStart + coldStartMs) },
  latencyMs: {
    'predict() one patient (assembly + inference)': stats(predictSamples),
    'feature assembly only': stats(assembleSamples),
    'inference only, batch 1': stats(run1Samples),
    'inference only, batch 1000': stats(run1000Samples),
    'POST /predict-progression, hono in-process': stats(appSamples),
    'POST /predict-progression, HTTP loopback (sequential)': stats(httpSamples),
  },
  httpRequestsPerSecondSequential: Math.round((httpSamples.length / httpSeconds) * 10) / 10,
  rssMiB: { afterLoad: Math.round(rssAfterLoad / 2 ** 20), end: Math.round(rssEnd / 2 ** 20) },
};
await predictor.release();

const rows = Object.entries(result.latencyMs).map(([what, s]) => `| ${what} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} |`);
console.log(`Prediction benchmark on ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, device ${predictor.device}`);
console.log(`cold start: createPredictor ${result.coldStart.createPredictorMs} ms, first predict ${result.coldStart.firstPredictMs} ms; RSS ${result.rssMiB.afterLoad} MiB after load, ${result.rssMiB.end} MiB at end; HTTP ${result.httpRequestsPerSecondSequential} req/s sequential\n`);
console.log(['| measured | n | p50 ms | p95 ms | p99 ms |', '|---|---:|---:|---:|---:|', ...rows].join('\n'));
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nJSON: ${jsonOut}`);
