export { startEmbeddedFhir, defaultFhirDataDir, type EmbeddedFhir, type EmbeddedFhirOptions } from './start.js';
export { fhirRoutes, type FhirRoutesOptions } from './routes.js';
export { PostgresFhirRepository, type PostgresRepositoryOptions } from './postgres-repository.js';
export { capabilityStatement } from './capability.js';
export { openPgClient, openPgliteClient, type SqlClient } from './sql-client.js';
