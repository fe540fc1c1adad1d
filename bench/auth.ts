/**
 * `npm run bench:auth`: what the API's guards cost per request on this machine, in-process (hono `app.request`).
 *
 * Variants over the same cheap route (`POST /predict-progression` on a deployment without a model: 501, no I/O),
 * so the difference is the guards alone:
 * - none: no auth, no audit (body limit only, always on);
 * - api-key: x-api-key verified (constant-time digest compare);
 * - jwt: ES256 access token verified against a loopback JWKS (key set cached after the first request);
 * - jwt + audit + rate limit: the full local stack chain, audit lines appended to a temp data dir;
 * - rejected: forged JWT (wrong key), the cost of refusing.
 * Also counts 429s for a burst beyond the token bucket (must equal requests − burst).
 *
 * Prints a Markdown table and writes JSON (`--json FILE`, default bench/results/auth.json). Bounded loops.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FileAuditSink } from '../providers/local/audit-file-sink.js';
import { FsObjectStore } from '../providers/local/fs-object-store.js';
import { createApiApp, type ApiDeps } from '../shared/api/app.js';
import { apiKeyVerifier } from '../shared/auth/api-key-verifier.js';
import { jwtVerifier } from '../shared/auth/jwt-verifier.js';
import { silentLogger } from '../shared/ports/observability.js';
import { startTestIssuer } from '../test/security/oidc-issuer.js';

const { values } = parseArgs({ options: { json: { type: 'string' }, iterations: { type: 'string' } } });
const iterations = Number(values.iterations ?? 3000);
if (!Number.isInteger(iterations) || iterations < 10) throw new Error('--iterations must be a whole number ≥ 10');
const jsonOut = values.json ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'auth.json');

const dir = await mkdtemp(path.join(os.tmpdir(), 'adni-bench-auth-'));
const issuer = await startTestIssuer();
const key = 'adni_' + 'b'.repeat(43);
const store = new FsObjectStore({ root: path.join(dir, 'store'), publicBaseUrl: 'http://127.0.0.1:8080' });
const base: ApiDeps = { store, logger: silentLogger };
const good = await issuer.token({ scope: 'predict' }, { expiresIn: '1h' });
const forged = await issuer.token({ scope: 'predict' }, { key: issuer.foreignKey, expiresIn: '1h' });
const body = JSON.stringify({ patient_id: 'P001' });

const variants: { name: string; deps: ApiDeps; headers: Record<string, string>; expect: number }[] = [
  { name: 'none', deps: base, headers: {}, expect: 501 },
  { name: 'api-key', deps: { ...base, auth: { verifiers: [apiKeyVerifier({ key, subject: 'api-key' })] } }, headers: { 'x-api-key': key }, expect: 501 },
  { name: 'jwt', deps: { ...base, auth: { verifiers: [jwtVerifier(issuer.config)] } }, headers: { authorization: `Bearer ${good}` }, expect: 501 },
  {
    name: 'jwt + audit + rate limit',
    deps: {
      ...base,
      auth: { verifiers: [jwtVerifier(issuer.config)] },
      audit: new FileAuditSink({ dataDir: dir }),
      limits: { rateLimit: { capacity: 1e9, refillPerSecond: 1e9 }, clientAddress: () => '127.0.0.1' },
    },
    headers: { authorization: `Bearer ${good}` },
    expect: 501,
  },
  { name: 'rejected (forged jwt)', deps: { ...base, auth: { verifiers: [jwtVerifier(issuer.config)] } }, headers: { authorization: `Bearer ${forged}` }, expect: 401 },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rows = [];
for (const v of variants) {
  const app = createApiApp(v.deps);
  const send = () => app.request('/predict-progression', { method: 'POST', headers: { 'content-type': 'application/json', ...v.headers }, body });
  const first = await send();
  if (first.status !== v.expect) throw new Error(`${v.name}: expected ${v.expect}, got ${first.status}`);
  for (let i = 0; i < 200; i++) await send(); // warm-up
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const r = await send();
    times.push(performance.now() - t);
    if (r.status !== v.expect) throw new Error(`${v.name}: status ${r.status} at ${i}`);
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  rows.push({ variant: v.name, requests: iterations, per_second: Math.round(iterations / (total / 1000)), p50_us: Math.round(percentile(times, 50) * 1000), p99_us: Math.round(percentile(times, 99) * 1000) });
}

// Rate limit: a burst of 100 from one client against a bucket of 20 (refill negligible) → exactly 80 refusals.
const limited = createApiApp({ ...base, limits: { rateLimit: { capacity: 20, refillPerSecond: 0.001 }, clientAddress: () => '10.0.0.1' } });
let refused = 0;
for (let i = 0; i < 100; i++) if ((await limited.request('/openapi.json')).status === 429) refused += 1;

const result = {
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gib: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
  route: 'POST /predict-progression (501, no model)',
  rows,
  rate_limit: { burst: 20, requests: 100, refused_429: refused },
  jwks_fetches: issuer.jwksRequests(),
};
await mkdir(path.dirname(jsonOut), { recursive: true });
await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
console.log(`machine: ${result.machine.cpus} cores (${result.machine.cpu}), ${result.machine.memory_gib} GiB, Node ${result.machine.node}; ${result.route}`);
console.log('| guards | requests | req/s | p50 µs | p99 µs |\n|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.variant} | ${r.requests} | ${r.per_second} | ${r.p50_us} | ${r.p99_us} |`);
console.log(`rate limit: ${refused} of 100 requests refused with 429 (burst 20); JWKS fetched ${issuer.jwksRequests()} time(s)`);
await issuer.close();
await rm(dir, { recursive: true, force: true });
