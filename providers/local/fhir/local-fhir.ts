import { Hono, type Context } from 'hono';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { deferredFhirStore } from '../../../shared/fhir/deferred-store.js';
import { RouterFhirStore } from '../../../shared/fhir/router-store.js';
import type { FhirStore } from '../../../shared/fhir/store.js';
import type { Logger } from '../../../shared/ports/observability.js';
import { startEmbeddedFhir, type EmbeddedFhir } from './start.js';

export const FHIR_BASE_PATH = '/fhir/R4';

export interface LocalFhirOptions {
  /** PGlite data directory (persistent): `<data dir>/fhir` in the local stack. */
  dataDir: string;
  /** A PostgreSQL server instead of PGlite (`DATABASE_URL`). */
  databaseUrl?: string;
  logger: Logger;
}

export interface LocalFhir {
  /** `/fhir/R4/*`: mount with `app.route('/', fhir.routes)`; requests wait while the database opens. */
  routes: Hono;
  /** The same server in-process (no HTTP), for the stack's own writes and the API routes. */
  store: FhirStore;
  /** Resolves when the database is open; rejects with the reason it could not be. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The local stack's FHIR R4 server, opened in the background: PGlite takes seconds to start, and the HTTP server
 * should answer `/health` and uploads at once. FHIR requests and status writes made meanwhile simply wait.
 * If the database cannot be opened (bad `DATABASE_URL`, a data dir held by another process) the error is
 * logged once and every FHIR request answers 503 with it.
 *
 * @example
 * const fhir = startLocalFhir({ dataDir: path.join(dataDir, 'fhir'), logger });
 * app.route('/', fhir.routes);
 * const sink = new FhirStatusSink({ store: fhir.store });
 */
export function startLocalFhir(options: LocalFhirOptions): LocalFhir {
  const { logger } = options;
  const started = Date.now();
  const embedded: Promise<EmbeddedFhir> = startEmbeddedFhir({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, basePath: FHIR_BASE_PATH });
  embedded.then(
    (fhir) => logger.info('FHIR server ready', { path: FHIR_BASE_PATH, storage: fhir.storage, ms: Date.now() - started }),
    (error: unknown) => logger.error('FHIR server could not start', { error: message(error) }),
  );
  const store = deferredFhirStore(embedded.then((fhir) => new RouterFhirStore(fhir.repo)));

  const forward = async (c: Context) => {
    let fhir: EmbeddedFhir;
    try {
      fhir = await embedded;
    } catch (error) {
      const outcome: OperationOutcome = {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'transient', details: { text: `the FHIR server could not start: ${message(error)}` } }],
      };
      return c.body(JSON.stringify(outcome), 503, { 'content-type': 'application/fhir+json; charset=utf-8' });
    }
    return fhir.routes.fetch(c.req.raw);
  };
  const routes = new Hono();
  routes.all(FHIR_BASE_PATH, forward);
  routes.all(`${FHIR_BASE_PATH}/*`, forward);

  let closing: Promise<void> | undefined;
  return {
    routes,
    store,
    ready: embedded.then(() => undefined),
    close() {
      closing ??= embedded.then(
        (fhir) => fhir.close(),
        () => undefined,
      );
      return closing;
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
