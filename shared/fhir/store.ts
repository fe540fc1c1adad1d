import type { WithId } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';

/**
 * The FHIR operations this product uses, over any FHIR R4 server (the embedded one, HealthLake, Azure Health
 * Data Services, Google Cloud Healthcare API). Implemented over HTTP with MedplumClient and in-process over a
 * FhirRepository; code that writes FHIR takes this, never a concrete client.
 */
export interface FhirStore {
  /** The resource, or undefined when it does not exist (404/410). */
  read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<WithId<T> | undefined>;
  /**
   * Every match of a search, following `next` links (at most `maxResults`, default 10 000).
   * `query` is a query string without `?`, e.g. `subject=Patient/1&_sort=-date`.
   */
  search<T extends Resource>(resourceType: T['resourceType'], query: string, options?: { maxResults?: number }): Promise<WithId<T>[]>;
  /** `POST` with `If-None-Exist: query`: the existing match, or the new resource. */
  createIfNoneExist<T extends Resource>(resource: T, query: string): Promise<WithId<T>>;
  /** `PUT Type?query`: updates the one match, or creates it. */
  conditionalUpdate<T extends Resource>(resource: T, query: string): Promise<WithId<T>>;
  /** `PUT Type/id`. */
  update<T extends Resource>(resource: WithId<T>): Promise<WithId<T>>;
  /** `POST` of a transaction (all or nothing) or batch bundle. */
  transaction(bundle: Bundle): Promise<Bundle>;
}

/** Thrown by {@link FhirStore} implementations for a non-2xx answer, with the server's status and text. */
export class FhirStoreError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly outcome?: unknown,
  ) {
    super(message);
    this.name = 'FhirStoreError';
  }
}

/** The `identifier=system|value` search of a conditional write, URL-encoded. */
export function identifierQuery(system: string, value: string): string {
  return `identifier=${encodeURIComponent(`${system}|${value}`)}`;
}
