import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { INDEXED_PARAMS } from './search-params.js';

/**
 * The CapabilityStatement of the embedded server: what `/metadata` returns. Built from the same parameter
 * table the search code uses, so it cannot claim a parameter the server does not index.
 *
 * @example
 * capabilityStatement('http://127.0.0.1:8080/fhir/R4').rest[0].resource.length
 */
export function capabilityStatement(baseUrl: string, software = { name: 'adni-progression embedded FHIR', version: '0.1.0' }): CapabilityStatement {
  const interactions = ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    software,
    implementation: { description: 'FHIR R4 on PostgreSQL (PGlite or server) via @medplum/fhir-router', url: baseUrl },
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: Object.entries(INDEXED_PARAMS).map(([type, params]) => ({
          type,
          interaction: interactions.map((code) => ({ code })),
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
          searchParam: [
            { name: '_id', type: 'token' },
            { name: '_lastUpdated', type: 'date' },
            ...Object.entries(params).map(([name, p]) => ({ name, type: p.type })),
          ],
        })) as CapabilityStatementRestResource[],
      },
    ],
  };
}
