import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import { isNewDataDir, seedDataDirFromTemplate } from './pglite-template.js';

/** The rows a query returned. */
export interface SqlResult<T> {
  rows: T[];
}

/**
 * The little SQL surface the FHIR repository needs, so the same SQL runs on PGlite (one machine) and on a
 * PostgreSQL server (`DATABASE_URL`).
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<T>>;
  /** Runs `fn` in one database transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A {@link SqlClient} over one PGlite instance. PGlite is a single connection: it queues queries itself and a
 * transaction holds the connection until it ends, so callers must run every statement of a transaction on `tx`.
 *
 * @example
 * const sql = await openPgliteClient({ dataDir: '/var/lib/adni/fhir' });
 */
export async function openPgliteClient(options: { dataDir?: string; template?: boolean }): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  // A new database starts as a copy of a cached empty cluster instead of running initdb (see pglite-template.ts).
  if (options.dataDir && options.template !== false && isNewDataDir(options.dataDir)) await seedDataDirFromTemplate(options.dataDir);
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await db.waitReady;
  return pgliteClient(db, db);
}

function pgliteClient(db: PGlite, runner: PGlite | Transaction): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await runner.query<T>(sql, params as any[]);
      return { rows: result.rows };
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      if (runner !== db) return fn(pgliteClient(db, runner)); // already in one: flatten
      return db.transaction((tx) => fn(pgliteClient(db, tx)));
    },
    async close() {
      if (runner === db) await db.close();
    },
  };
}

/**
 * A {@link SqlClient} over a `pg` pool (a real PostgreSQL server).
 *
 * @example
 * const sql = await openPgClient({ databaseUrl: process.env.DATABASE_URL! });
 */
export async function openPgClient(options: { databaseUrl: string; max?: number }): Promise<SqlClient> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.max ?? 10 });
  // Fail at start, with the server's message, rather than on the first request.
  const probe = await pool.connect();
  probe.release();
  return poolClient(pool);
}

function poolClient(pool: Pool): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await pool.query(sql, params);
      return { rows: result.rows as T[] };
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(connectionClient(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

function connectionClient(client: PoolClient): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params);
      return { rows: result.rows as T[] };
    },
    transaction: (fn) => fn(connectionClient(client)),
    async close() {},
  };
}
