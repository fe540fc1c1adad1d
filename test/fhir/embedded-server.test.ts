import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { startEmbeddedFhir } from '../../providers/local/fhir/index.js';
import { fhirServerSuite } from './server-suite.js';

const dirs: string[] = [];
let dataDir = '';

fhirServerSuite(
  'embedded FHIR server on PGlite over HTTP',
  async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'adni-fhir-'));
    dirs.push(dataDir);
    return startEmbeddedFhir({ dataDir });
  },
  () => startEmbeddedFhir({ dataDir }),
);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  fhirServerSuite('embedded FHIR server on PostgreSQL (DATABASE_URL) over HTTP', async () => {
    const fhir = await startEmbeddedFhir({ databaseUrl });
    // A throw-away database: start from empty tables so totals are exact.
    await fhir.sql.query('TRUNCATE fhir_resource, fhir_history, fhir_token, fhir_reference, fhir_date, fhir_string');
    return fhir;
  });
} else {
  describe('embedded FHIR server on PostgreSQL (DATABASE_URL)', () => {
    it.skip('skipped: set DATABASE_URL=postgres://... to run the same suite against a PostgreSQL server', () => {});
  });
}
