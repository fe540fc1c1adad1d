import type { SqlClient } from './sql-client.js';

/**
 * Tables of the embedded FHIR store. One row per resource (current version, JSON in `content`), every version
 * in `fhir_history`, and one table per search parameter type holding the values extracted on write, indexed
 * for the lookups search makes (type + parameter + value).
 */
const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS fhir_resource (
     resource_type text NOT NULL,
     id text NOT NULL,
     version integer NOT NULL,
     last_updated timestamptz NOT NULL,
     deleted boolean NOT NULL DEFAULT false,
     content jsonb NOT NULL,
     PRIMARY KEY (resource_type, id))`,
  `CREATE INDEX IF NOT EXISTS fhir_resource_updated ON fhir_resource (resource_type, last_updated)`,
  `CREATE TABLE IF NOT EXISTS fhir_history (
     resource_type text NOT NULL,
     id text NOT NULL,
     version integer NOT NULL,
     last_updated timestamptz NOT NULL,
     deleted boolean NOT NULL DEFAULT false,
     content jsonb NOT NULL,
     PRIMARY KEY (resource_type, id, version))`,
  `CREATE TABLE IF NOT EXISTS fhir_token (
     resource_type text NOT NULL, id text NOT NULL, code text NOT NULL, system text, value text)`,
  `CREATE INDEX IF NOT EXISTS fhir_token_lookup ON fhir_token (resource_type, code, value, system)`,
  `CREATE INDEX IF NOT EXISTS fhir_token_owner ON fhir_token (resource_type, id)`,
  `CREATE TABLE IF NOT EXISTS fhir_reference (
     resource_type text NOT NULL, id text NOT NULL, code text NOT NULL, target text NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS fhir_reference_lookup ON fhir_reference (resource_type, code, target)`,
  `CREATE INDEX IF NOT EXISTS fhir_reference_owner ON fhir_reference (resource_type, id)`,
  `CREATE TABLE IF NOT EXISTS fhir_date (
     resource_type text NOT NULL, id text NOT NULL, code text NOT NULL,
     start_at timestamptz NOT NULL, end_at timestamptz NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS fhir_date_lookup ON fhir_date (resource_type, code, start_at)`,
  `CREATE INDEX IF NOT EXISTS fhir_date_owner ON fhir_date (resource_type, id)`,
  `CREATE TABLE IF NOT EXISTS fhir_string (
     resource_type text NOT NULL, id text NOT NULL, code text NOT NULL, value text NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS fhir_string_lookup ON fhir_string (resource_type, code, value text_pattern_ops)`,
  `CREATE INDEX IF NOT EXISTS fhir_string_owner ON fhir_string (resource_type, id)`,
];

/** The search tables, by parameter type; each has (resource_type, id, code, ...). */
export const SEARCH_TABLES = ['fhir_token', 'fhir_reference', 'fhir_date', 'fhir_string'] as const;

/**
 * Creates the tables if they are missing. Safe to run at every start and from several processes.
 *
 * @example
 * await migrate(sql);
 */
export async function migrate(sql: SqlClient): Promise<void> {
  await sql.transaction(async (tx) => {
    // Two servers starting at once on one database must not race on CREATE TABLE.
    await tx.query('SELECT pg_advisory_xact_lock(7412001)');
    for (const statement of STATEMENTS) await tx.query(statement);
  });
}
