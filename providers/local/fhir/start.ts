import path from 'node:path';
import type { Hono } from 'hono';
import { PostgresFhirRepository, type PostgresRepositoryOptions } from './postgres-repository.js';
import { fhirRoutes } from './routes.js';
import { migrate } from './schema.js';
import { openPgClient, openPgliteClient, type SqlClient } from './sql-client.js';

export interface EmbeddedFhirOptions extends PostgresRepositoryOptions {
  /** PGlite data directory (persistent). Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** A PostgreSQL server (`postgres://...`); the same tables and SQL as PGlite. */
  databaseUrl?: string;
  /** Where the routes answer (default `/fhir/R4`). */
  basePath?: string;
}

export interface EmbeddedFhir {
  repo: PostgresFhirRepository;
  /** Mount with `app.route('/', fhir.routes)`. */
  routes: Hono;
  sql: SqlClient;
  /** Which database it runs on, for logs (never the URL: it may hold a password). */
  storage: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * Starts the embedded FHIR R4 server's storage and returns its repository and hono routes.
 * With neither option the data lives in memory (tests only). One PGlite data dir per process.
 *
 * @example
 * const fhir = await startEmbeddedFhir({ dataDir: path.join(dataDir, 'fhir') });
 * app.route('/', fhir.routes);
 * // ... on shutdown
 * await fhir.close();
 */
export async function startEmbeddedFhir(options: EmbeddedFhirOptions = {}): Promise<EmbeddedFhir> {
  const sql = options.databaseUrl
    ? await openPgClient({ databaseUrl: options.databaseUrl })
    : await openPgliteClient({ dataDir: options.dataDir === undefined ? undefined : path.resolve(options.dataDir) });
  try {
    await migrate(sql);
    // The FHIR structure definitions (loaded synchronously, 1-8 s) are read on the first write, not here:
    // a start blocked on them would also block every other request of the local stack's one thread.
  } catch (error) {
    await sql.close().catch(() => undefined);
    throw error;
  }
  const repo = new PostgresFhirRepository(sql, options);
  // Fresh statistics for the data already there (PGlite has no autovacuum; see PostgresFhirRepository.analyze).
  await repo.analyze();
  return {
    repo,
    sql,
    storage: options.databaseUrl ? 'postgres' : 'pglite',
    routes: fhirRoutes({ repo, basePath: options.basePath }),
    close: async () => {
      await repo.settled();
      await sql.close();
    },
  };
}

/** The default data directory of the embedded FHIR store: `<ADNI_DATA_DIR>/fhir`. */
export function defaultFhirDataDir(dataDir = process.env.ADNI_DATA_DIR ?? '.adni-data'): string {
  return path.join(dataDir, 'fhir');
}
