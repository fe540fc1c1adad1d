import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Hono } from 'hono';
import { createApiApp, type ApiDeps } from '../../shared/api/app.js';
import { jwtAuthConfigFromEnv, type JwtAuthConfig } from '../../shared/auth/auth-config.js';
import { limitsFromEnv } from '../../shared/auth/limits-config.js';
import { localAccess, type LocalAccess } from '../../shared/auth/local-access.js';
import { FileAuditSink } from './audit-file-sink.js';
import { fanOutStatusSink } from '../../shared/fhir/fan-out-status-sink.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import { createRoiFeaturesReader } from '../../shared/model/roi-features-reader.js';
import type { FhirStore } from '../../shared/fhir/store.js';
import type { UploadPorts } from '../../shared/core/handle-upload.js';
import { noMetrics, systemClock, type Logger } from '../../shared/ports/observability.js';
import { jobMarkerKey, rawKey } from '../../shared/domain/session-key.js';
import type { JobStatusUpdate, StatusSink } from '../../shared/ports/status-sink.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';
import { localDataLayout } from './data-dir.js';
import { FHIR_BASE_PATH, startLocalFhir } from './fhir/local-fhir.js';
import { FsObjectStore } from './fs-object-store.js';
import { LocalJobPool, type JobCommand } from './job-pool.js';
import { localRoutes } from './local-routes.js';
import { createPinoLogger } from './logger.js';
import { RawWatcher } from './raw-watcher.js';
import { recoverInterruptedJobs } from './recover-interrupted-jobs.js';
import { StoreStatusSink } from './store-status-sink.js';
import { UploadDispatcher } from './upload-dispatcher.js';

export interface LocalStackOptions {
  /** Default `ADNI_DATA_DIR`, then `./.adni-data`. */
  dataDir?: string;
  /** Default `PORT`, then 8080; 0 picks a free port. */
  port?: number;
  /** Default `HOST`, then 127.0.0.1. */
  host?: string;
  /** Base URL clients use to reach this server (presigned URLs); default `ADNI_PUBLIC_URL` or http://host:port. */
  publicUrl?: string;
  logger?: Logger;
  /** Where preprocessing status goes; default the status objects in the local store. */
  statusSink?: StatusSink;
  /** Job processes at once; default the number of cores. */
  concurrency?: number;
  /** What each job runs; default the batch entrypoint through tsx. */
  jobCommand?: JobCommand;
  /** `inherit` prints the jobs' log lines on stdout (`adni serve`); default `ignore`. */
  jobOutput?: 'inherit' | 'ignore';
  /** Extra environment for job processes. */
  jobEnv?: Record<string, string>;
  /** Largest accepted upload; default `ADNI_MAX_UPLOAD_BYTES`, then 2 GiB. */
  maxUploadBytes?: number;
  /** Watch `<data>/store/raw/` for files dropped by hand (default true). */
  watch?: boolean;
  watcherTimings?: { debounceMs?: number; stableMs?: number };
  /** POST /predict-progression: a loaded predictor and a patient history source (the route answers 501 without). */
  prediction?: ApiDeps['prediction'];
  /**
   * The embedded FHIR R4 server at `/fhir/R4` (PGlite in `<data dir>/fhir`, or `databaseUrl`), which also
   * receives every status update as Task + ImagingStudy. Default on (`DATABASE_URL` honoured); `false` or
   * `ADNI_FHIR=off` leaves it out (tests that do not look at FHIR skip the database start).
   */
  fhir?: false | { databaseUrl?: string };
  /**
   * Who may call the API: OIDC settings (default from AUTH_*; `false` ignores them) and whether the generated
   * API key is required (default: exactly when `host` is not loopback). Open on loopback without either.
   */
  access?: { jwt?: JwtAuthConfig | false; requireApiKey?: boolean };
  /** Adds routes before the server starts (the web app comes in this way). */
  configure?: (app: Hono, stack: { store: FsObjectStore; logger: Logger }) => void;
}

export interface LocalStack {
  /** Base URL of the server, e.g. http://127.0.0.1:8080. */
  url: string;
  dataDir: string;
  /** Drop `raw/{patient}/{session}/{mri|pet}.nii.gz` files here. */
  dropDir: string;
  store: FsObjectStore;
  /** `{url}/fhir/R4`, when FHIR is on. */
  fhirUrl?: string;
  /** The embedded FHIR server in-process (waits while it starts), when FHIR is on. */
  fhir?: FhirStore;
  /** How the API is protected (`open`, `api-key`, `oidc`, `oidc+api-key`) and the API key, when one is required. */
  access: Pick<LocalAccess, 'mode' | 'apiKey'>;
  /** Resolves when no upload event is being handled and no job is running or queued. */
  idle(): Promise<void>;
  /** Stops the watcher and the server, and stops running jobs. */
  close(): Promise<void>;
}

/**
 * Starts the whole product on one machine: API + local presigned storage on one HTTP server, in-process
 * upload events, a watcher for dropped files, and a worker pool running the batch entrypoint.
 *
 * @example
 * const stack = await startLocalStack({ dataDir: '/tmp/adni', port: 0 });
 * console.log(stack.url);
 * await stack.close();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = process.env;
  const layout = localDataLayout({ dataDir: options.dataDir, env });
  const logger = options.logger ?? createPinoLogger({ base: { component: 'local-stack' } });
  const host = options.host ?? env.HOST ?? '127.0.0.1';
  const port = options.port ?? parsePort(env.PORT);
  const maxUploadBytes = options.maxUploadBytes ?? positiveNumber(env.ADNI_MAX_UPLOAD_BYTES, 'ADNI_MAX_UPLOAD_BYTES');
  // Settings are checked before anything listens: a bad AUTH_* must not start an open server.
  const jwt = options.access?.jwt === false ? undefined : (options.access?.jwt ?? jwtAuthConfigFromEnv(env));
  const access = await localAccess({ host, dataDir: layout.dataDir, jwt, requireApiKey: options.access?.requireApiKey });
  // Loopback is one user's machine: no in-app rate limit unless asked for; beyond it, 300 burst / 50 per s per client.
  const limits = limitsFromEnv(env, access.apiKey ? { defaultRateLimit: { capacity: 300, refillPerSecond: 50 } } : {});

  // The store's presigned URLs need the server's address, known only once it listens (port 0 in tests);
  // requests are routed through `handler`, set right after listening and before anyone can know the URL.
  let handler: Hono | undefined;
  const server = await listen((request, bindings) => (handler ? handler.fetch(request, bindings) : new Response('starting', { status: 503 })), port, host);
  const address = server.address() as AddressInfo;
  const url = (options.publicUrl ?? env.ADNI_PUBLIC_URL ?? `http://${urlHost(host)}:${address.port}`).replace(/\/+$/, '');

  const store = new FsObjectStore({ root: layout.storeRoot, publicBaseUrl: url });
  const fhirEnabled = options.fhir !== false && env.ADNI_FHIR !== 'off';
  const fhir = fhirEnabled
    ? startLocalFhir({ dataDir: path.join(layout.dataDir, 'fhir'), databaseUrl: (options.fhir || {}).databaseUrl ?? env.DATABASE_URL, logger })
    : undefined;
  // Status objects keep `adni upload --wait` and /local-status working; FHIR is where clinicians' systems look.
  const objectUrl = (_bucket: string, key: string) => pathToFileURL(path.join(layout.storeRoot, key)).href;
  const status =
    options.statusSink ??
    (fhir ? fanOutStatusSink([new StoreStatusSink(store), new FhirStatusSink({ store: fhir.store, objectUrl, logger })]) : new StoreStatusSink(store));
  // Jobs are other processes: they reach FHIR over HTTP on loopback, whatever URL clients use.
  const fhirJobEnv: Record<string, string> = fhir
    ? { ADNI_STATUS_SINK: 'store,fhir', FHIR_BASE_URL: `http://${urlHost(host)}:${address.port}${FHIR_BASE_PATH}`, FHIR_AUTH: 'none' }
    : {};
  const pool = new LocalJobPool({
    dataDir: layout.dataDir,
    status,
    logger,
    concurrency: options.concurrency,
    command: options.jobCommand,
    env: { ...fhirJobEnv, ...(fhir ? access.jobEnv : {}), ...options.jobEnv },
    jobOutput: options.jobOutput,
    onAbandoned: (request) => store.delete(jobMarkerKey(request, request.fingerprint)),
    // A job that could not reach FHIR still wrote its final status object: relay that rather than "failed".
    reportedStatus: (request, jobId) => lastRecordedStatus(new StoreStatusSink(store), request, jobId),
  });
  const ports: UploadPorts = { store, jobs: pool, status, clock: systemClock, logger, metrics: noMetrics };
  const dispatcher = new UploadDispatcher({ ports });

  const app = createApiApp({
    store,
    logger,
    ...(access.auth ? { auth: access.auth } : {}),
    audit: new FileAuditSink({ dataDir: layout.dataDir }),
    // The socket's address: nothing sits in front of this server to vouch for an x-forwarded-for header.
    limits: { ...limits, clientAddress: (c) => (c.env?.incoming ? getConnInfo(c).remote.address : undefined) },
    // The timeline's ROI summaries read roi_features.json from the store (parsed files cached by version).
    ...(fhir ? { fhir: fhir.store, roiFeatures: createRoiFeaturesReader({ store, logger }) } : {}),
    ...(options.prediction ? { prediction: options.prediction } : {}),
    jobs: ports,
  });
  if (fhir) app.route('/', fhir.routes);
  app.route('/', localRoutes({ store, logger, maxUploadBytes, onRawPut: (key) => void dispatcher.dispatch(key) }));
  options.configure?.(app, { store, logger });
  // Jobs a killed stack left open are recorded failed, and uploads among them run again; before any request is
  // served, so a new upload's fresh status is never taken for one of them.
  const recovered = await recoverInterruptedJobs({ store, status, logger }).catch((error: unknown) => {
    logger.error('could not check for jobs a previous run left open', { error: String(error) });
    return undefined;
  });
  handler = app;
  for (const session of recovered?.resubmit ?? []) void dispatcher.dispatch(rawKey(session, 'mri'));

  const watcher =
    options.watch === false
      ? undefined
      : new RawWatcher({ storeRoot: layout.storeRoot, logger, onStable: (key) => void dispatcher.dispatch(key), ...options.watcherTimings });
  try {
    await watcher?.start();
  } catch (error) {
    await closeServer(server);
    await fhir?.close();
    throw error;
  }
  logger.info('local stack started', { url, concurrency: pool.concurrency, access: access.mode });

  let closing: Promise<void> | undefined;
  return {
    url,
    dataDir: layout.dataDir,
    dropDir: layout.dropDir,
    store,
    access: { mode: access.mode, ...(access.apiKey ? { apiKey: access.apiKey } : {}) },
    ...(fhir ? { fhirUrl: `${url}${FHIR_BASE_PATH}`, fhir: fhir.store } : {}),
    async idle() {
      // A finished event may submit a job and a finished job may not raise events, but loop to be sure.
      while (dispatcher.busy || pool.stats().running + pool.stats().queued > 0) {
        await dispatcher.idle();
        await pool.idle();
      }
    },
    close() {
      closing ??= (async () => {
        watcher?.close();
        await closeServer(server);
        await dispatcher.idle();
        await pool.close();
        // After the pool: interrupted jobs are recorded as failed in FHIR on the way out.
        await fhir?.close();
        logger.info('local stack stopped');
      })();
      return closing;
    },
  };
}

/** The job's own last status in its status object, when that record is this job's. */
async function lastRecordedStatus(sink: StoreStatusSink, request: PreprocessJobRequest, jobId: string): Promise<JobStatusUpdate | undefined> {
  const record = await sink.read(request, request.fingerprint);
  const last = record?.history.at(-1);
  if (!record || !last || record.job_id !== jobId) return undefined;
  return {
    job: request,
    jobId,
    status: last.status,
    ...(last.reason ? { reason: last.reason } : {}),
    ...(record.outputs && last.status === 'completed' ? { outputs: record.outputs } : {}),
    at: new Date(last.at),
  };
}

function listen(fetch: (request: Request, bindings: unknown) => Response | Promise<Response>, port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${hostname} is already in use (set PORT to use another)`) : error);
    });
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would hold close() open until they time out.
    (server as import('node:http').Server).closeAllConnections?.();
  });
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return 8080;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number 0-65535 (got "${text}")`);
  return port;
}

function positiveNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of bytes (got "${text}")`);
  return value;
}

/** Host as it goes in a URL: a wildcard address becomes loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
