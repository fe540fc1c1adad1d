import type { WithId } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirStore } from './store.js';

/**
 * A {@link FhirStore} whose backend is still starting (the local stack opens its database in the background so
 * the server answers at once): every call waits for it, and fails with the start error if it never came up.
 *
 * @example
 * const store = deferredFhirStore(startEmbeddedFhir({ dataDir }).then((fhir) => new RouterFhirStore(fhir.repo)));
 * await store.search('Patient', 'identifier=...'); // waits until the database is open
 */
export function deferredFhirStore(ready: Promise<FhirStore>): FhirStore {
  // A start failure is reported where it happens; keep it from also surfacing as an unhandled rejection.
  ready.catch(() => undefined);
  return {
    read: async (type, id) => (await ready).read(type, id),
    search: async (type, query, options) => (await ready).search(type, query, options),
    createIfNoneExist: async (resource, query) => (await ready).createIfNoneExist(resource, query),
    conditionalUpdate: async (resource, query) => (await ready).conditionalUpdate(resource, query),
    update: async <T extends Resource>(resource: WithId<T>) => (await ready).update(resource),
    transaction: async (bundle: Bundle) => (await ready).transaction(bundle),
  };
}
