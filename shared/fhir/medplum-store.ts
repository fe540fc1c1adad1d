import { MedplumClient, OperationOutcomeError, getStatus, normalizeErrorString, type FetchLike, type WithId } from '@medplum/core';
import type { Bundle, Resource, ResourceType } from '@medplum/fhirtypes';
import { FhirStoreError, type FhirStore } from './store.js';
import { withTimeout } from './timeout-fetch.js';

export interface MedplumStoreOptions {
  /** The FHIR base URL, e.g. `http://127.0.0.1:8080/fhir/R4` or `https://healthlake.../datastore/<id>/r4`. */
  baseUrl: string;
  /** The fetch that sends requests: plain, SigV4-signed, or with a bearer token (see `auth/`). */
  fetch?: FetchLike;
  /** Bound on each request in ms (default 30 s, `DEFAULT_FHIR_TIMEOUT_MS`): a server that never answers fails with a clear error. */
  timeoutMs?: number;
}

/**
 * A {@link FhirStore} over HTTP with `MedplumClient` (caching off: status reads must be fresh), pointed at any
 * FHIR R4 base URL.
 *
 * @example
 * const store = new MedplumFhirStore({ baseUrl: 'http://127.0.0.1:8080/fhir/R4' });
 * const patients = await store.search('Patient', 'identifier=https://...|P001');
 */
export class MedplumFhirStore implements FhirStore {
  readonly client: MedplumClient;

  constructor(options: MedplumStoreOptions) {
    const url = new URL(options.baseUrl.replace(/\/*$/, '/'));
    this.client = new MedplumClient({
      baseUrl: url.origin + '/',
      fhirUrlPath: url.pathname.replace(/^\/+|\/+$/g, ''),
      fetch: withTimeout(options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init)), options.timeoutMs),
      cacheTime: 0,
      // No Medplum login: auth, where needed, is the fetch's job.
      autoBatchTime: 0,
    });
  }

  async read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<WithId<T> | undefined> {
    try {
      return (await this.client.readResource(resourceType as ResourceType, id)) as unknown as WithId<T>;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 410) return undefined;
      throw wrap(error, 'read');
    }
  }

  async search<T extends Resource>(resourceType: T['resourceType'], query: string, options?: { maxResults?: number }): Promise<WithId<T>[]> {
    const max = options?.maxResults ?? 10_000;
    const results: WithId<T>[] = [];
    try {
      let bundle = (await this.client.search(resourceType as ResourceType, query)) as unknown as Bundle<WithId<T>>;
      for (;;) {
        for (const entry of bundle.entry ?? []) if (entry.resource) results.push(entry.resource);
        const next = bundle.link?.find((l) => l.relation === 'next')?.url;
        if (!next || results.length >= max) break;
        bundle = (await this.client.get(next)) as Bundle<WithId<T>>;
      }
    } catch (error) {
      throw wrap(error, 'search');
    }
    return results.slice(0, max);
  }

  async createIfNoneExist<T extends Resource>(resource: T, query: string): Promise<WithId<T>> {
    return this.client.createResourceIfNoneExist(resource, query).catch((error: unknown) => {
      throw wrap(error, 'conditional create');
    });
  }

  async conditionalUpdate<T extends Resource>(resource: T, query: string): Promise<WithId<T>> {
    return this.client.upsertResource(resource, query).catch((error: unknown) => {
      throw wrap(error, 'conditional update');
    });
  }

  async update<T extends Resource>(resource: WithId<T>): Promise<WithId<T>> {
    return this.client.updateResource(resource).catch((error: unknown) => {
      throw wrap(error, 'update');
    });
  }

  async transaction(bundle: Bundle): Promise<Bundle> {
    return this.client.executeBatch(bundle).catch((error: unknown) => {
      throw wrap(error, bundle.type ?? 'bundle');
    });
  }
}

function statusOf(error: unknown): number {
  return error instanceof OperationOutcomeError ? getStatus(error.outcome) : 500;
}

function wrap(error: unknown, what: string): FhirStoreError {
  const outcome = error instanceof OperationOutcomeError ? error.outcome : undefined;
  return new FhirStoreError(`FHIR ${what} failed: ${normalizeErrorString(error)}`, statusOf(error), outcome);
}
