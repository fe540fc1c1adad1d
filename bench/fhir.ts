/**
 * `npm run bench:fhir`: the embedded FHIR server on PGlite.
 *
 * - start: a new data dir (copied from the cached initdb template) and a restart on the same dir;
 * - import throughput: `adni import`'s code path (`importCsv`: conditional updates, one Patient write + one
 *   Observation batch per patient) for a simulated cohort of `--patients` (default 1000) patients with at most
 *   `--visits` (default 3) visits each, in-process (router + repository, what the local stack does); then
 *   the first `--http-patients` (default 100) patients again over HTTP on loopback (the idempotent path,
 *   as `adni import` run twice does it);
 * - search latency of `Observation?subject=Patient/…&code=http://loinc.org|72107-6&_sort=-date` for random
 *   patients, in-process (router + repository) and over HTTP; and a Patient lookup by identifier;
 * - RSS at the end.
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/fhir.json).
 * Bounded loops, not a timed test: figures depend on the machine (stated in the output).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    patients: { type: 'string' },
    visits: { type: 'string' },
    queries: { type: 'string' },
    concurrency: { type: 'string' },
    'http-patients': { type: 'string' },
  },
});
const patients = Number(values.patients ?? 1000);
const maxVisits = Number(values.visits ?? 3);
const queries = Number(values.queries ?? 1000);
const concurrency = Number(values.concurrency ?? 4);
const httpPatients = Number(values['http-patients'] ?? 100);
for (const [name, v] of Object.entries({ patients, visits: maxVisits, queries, concurrency, 'http-patients': httpPatients })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
}
const jsonOut = values.json ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'fhir.json');

const { startEmbeddedFhir } = await import('../providers/local/fhir/index.js');
const { RouterFhirStore } = await import('../shared/fhir/router-store.js');
const { MedplumFhirStore } = await import('../shared/fhir/medplum-store.js');
const { importCsv } = await import('../shared/fhir/import/run-import.js');
const { simulateCohort } = await import('../shared/model/cohort/simulate-cohort.js');
const { toCohortCsv } = await import('../shared/model/cohort/cohort-csv.js');
const { patientQuery } = await import('../shared/fhir/mapping.js');
const { serve } = await import('@hono/node-server');

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: samples.length, p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(sorted[sorted.length - 1]) };
}
function round(x: number, digits = 3) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-fhir-'));
try {
  // Start: first start on a new dir, then a restart.
  let t = performance.now();
  let fhir = await startEmbeddedFhir({ dataDir });
  const newDirStartMs = performance.now() - t;
  await fhir.close();
  t = performance.now();
  fhir = await startEmbeddedFhir({ dataDir });
  const restartMs = performance.now() - t;

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: fhir.routes.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  // A busy machine can stall a request past Node's 5 s keep-alive; the client would then reuse a closed socket.
  (server as import('node:http').Server).keepAliveTimeout = 120_000;
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/R4`;
  const http = new MedplumFhirStore({ baseUrl: base });
  const local = new RouterFhirStore(fhir.repo);

  // The cohort, cut to `maxVisits` visits per patient.
  const cohort = simulateCohort({ patients, seed: 1 });
  const visits = new Map<string, number>();
  const rows = cohort.filter((row) => {
    const n = (visits.get(row.PTID) ?? 0) + 1;
    visits.set(row.PTID, n);
    return n <= maxVisits;
  });
  const csv = toCohortCsv(rows);
  const csvFile = path.join(dataDir, 'cohort.csv');
  await writeFile(csvFile, csv);

  // Schema load happens on the first write: count it in neither figure.
  await importCsv({ csv: toCohortCsv(rows.slice(0, 1)), store: local });

  t = performance.now();
  const first = await importCsv({ csv, store: local, concurrency });
  const importMs = performance.now() - t;
  const subsetIds = new Set([...visits.keys()].slice(0, httpPatients));
  const subset = rows.filter((r) => subsetIds.has(r.PTID));
  t = performance.now();
  const second = await importCsv({ csv: toCohortCsv(subset), store: http, concurrency });
  const reimportMs = performance.now() - t;
  if (first.failedPatients.length || second.failedPatients.length) throw new Error(`import failed: ${JSON.stringify(first.failedPatients[0] ?? second.failedPatients[0])}`);
  const resources = first.created + first.existing;
  const subsetResources = second.created + second.existing;

  // Search latency for random patients (fixed seed: the same queries every run).
  const ids = [...visits.keys()];
  const patientIds = new Map<string, string>();
  for (const id of ids) {
    const [p] = await local.search('Patient', patientQuery(id), { maxResults: 1 });
    patientIds.set(id, p.id);
  }
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = () => ids[Math.floor(random() * ids.length)];
  const mmseQuery = (id: string) => `subject=Patient/${patientIds.get(id)}&code=${encodeURIComponent('http://loinc.org|72107-6')}&_sort=-date`;
  async function loop(n: number, fn: () => Promise<unknown>) {
    for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
    return samples;
  }
  let found = 0;
  const inProcess = await loop(queries, async () => {
    found += (await local.search('Observation', mmseQuery(pick()))).length;
  });
  const overHttp = await loop(queries, async () => {
    const response = await fetch(`${base}/Observation?${mmseQuery(pick())}`);
    await response.json();
  });
  const byIdentifier = await loop(queries, () => local.search('Patient', patientQuery(pick()), { maxResults: 1 }));

  const result = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, loadavg1: round(os.loadavg()[0], 2) },
    input: { patients: ids.length, rows: rows.length, maxVisits, resources, observations: resources - ids.length, concurrency },
    startMs: { newDataDir: round(newDirStartMs, 0), restart: round(restartMs, 0) },
    import: {
      ms: round(importMs, 0),
      rowsPerS: round(rows.length / (importMs / 1000), 1),
      resourcesPerS: round(resources / (importMs / 1000), 1),
      created: first.created,
      rejected: first.rejected.length,
    },
    reimportHttp: { patients: subsetIds.size, resources: subsetResources, ms: round(reimportMs, 0), resourcesPerS: round(subsetResources / (reimportMs / 1000), 1), created: second.created },
    searchMs: {
      mmseBySubjectSortedInProcess: stats(inProcess),
      mmseBySubjectSortedHttp: stats(overHttp),
      patientByIdentifierInProcess: stats(byIdentifier),
    },
    meanMatchesPerSearch: round(found / queries, 2),
    rssMiB: round(process.memoryUsage().rss / 2 ** 20, 0),
  };
  await writeFile(jsonOut, JSON.stringify(result, null, 2) + '\n');
  server.close();
  await fhir.close();

  const row = (name: string, s: ReturnType<typeof stats>) => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} |`;
  console.log(
    [
      `Machine: ${result.machine.cpus} cores (${result.machine.cpu}), ${result.machine.memGiB} GiB, Node ${result.machine.node}, load average ${result.machine.loadavg1} at the end.`,
      `Input: ${result.input.patients} patients, ${result.input.rows} CSV rows, ${result.input.resources} resources (${result.input.observations} Observations).`,
      '',
      '| measured | n | p50 ms | p95 ms | p99 ms |',
      '|---|---:|---:|---:|---:|',
      row('`Observation?subject=…&code=…|72107-6&_sort=-date`, in-process', result.searchMs.mmseBySubjectSortedInProcess),
      row('same, HTTP on loopback', result.searchMs.mmseBySubjectSortedHttp),
      row('`Patient?identifier=…`, in-process', result.searchMs.patientByIdentifierInProcess),
      '',
      `Import in-process: ${result.import.ms} ms, ${result.import.rowsPerS} rows/s, ${result.import.resourcesPerS} resources/s (${result.import.created} created).`,
      `Re-import of ${result.reimportHttp.patients} patients over HTTP (nothing new): ${result.reimportHttp.ms} ms, ${result.reimportHttp.resourcesPerS} resources/s, ${result.reimportHttp.created} created.`,
      `Start: new data dir ${result.startMs.newDataDir} ms, restart ${result.startMs.restart} ms. RSS ${result.rssMiB} MiB.`,
      `JSON: ${jsonOut}`,
    ].join('\n'),
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
