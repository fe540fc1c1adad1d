import { getStatus, isOk, normalizeErrorString, normalizeOperationOutcome, type WithId } from '@medplum/core';
import { FhirRouter, type FhirRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { FhirStoreError, type FhirStore } from './store.js';

/**
 * A {@link FhirStore} that runs FHIR REST semantics in-process (`@medplum/fhir-router`) on a repository: the
 * embedded PostgreSQL one (CLI `--data-dir`, local stack) or Medplum's MemoryRepository in unit tests.
 *
 * @example
 * const store = new RouterFhirStore(embedded.repo);
 * await store.conditionalUpdate(patient, identifierQuery(PATIENT_ID_SYSTEM, 'P001'));
 */
export class RouterFhirStore implements FhirStore {
  private readonly router = new FhirRouter();

  constructor(private readonly repo: FhirRepository) {}

  async read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<WithId<T> | undefined> {
    const [outcome, resource] = await this.send('GET', `${resourceType}/${encodeURIComponent(id)}`);
    const status = getStatus(outcome);
    if (status === 404 || status === 410) return undefined;
    return this.expect<WithId<T>>(outcome, resource, 'read');
  }

  async search<T extends Resource>(resourceType: T['resourceType'], query: string, options?: { maxResults?: number }): Promise<WithId<T>[]> {
    const max = options?.maxResults ?? 10_000;
    const results: WithId<T>[] = [];
    let url: string | undefined = `${resourceType}?${query}`;
    while (url && results.length < max) {
      const [outcome, bundle] = await this.send('GET', url);
      const page = this.expect<Bundle<WithId<T>>>(outcome, bundle, 'search');
      for (const entry of page.entry ?? []) if (entry.resource) results.push(entry.resource);
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.slice(next.indexOf(resourceType + '?')) : undefined;
    }
    return results.slice(0, max);
  }

  async createIfNoneExist<T extends Resource>(resource: T, query: string): Promise<WithId<T>> {
    const [outcome, result] = await this.send('POST', resource.resourceType, resource, { 'if-none-exist': query });
    return this.expect<WithId<T>>(outcome, result, 'conditional create');
  }

  async conditionalUpdate<T extends Resource>(resource: T, query: string): Promise<WithId<T>> {
    const [outcome, result] = await this.send('PUT', `${resource.resourceType}?${query}`, resource);
    return this.expect<WithId<T>>(outcome, result, 'conditional update');
  }

  async update<T extends Resource>(resource: WithId<T>): Promise<WithId<T>> {
    const [outcome, result] = await this.send('PUT', `${resource.resourceType}/${resource.id}`, resource);
    return this.expect<WithId<T>>(outcome, result, 'update');
  }

  async transaction(bundle: Bundle): Promise<Bundle> {
    const [outcome, result] = await this.send('POST', '', bundle);
    return this.expect<Bundle>(outcome, result, bundle.type ?? 'bundle');
  }

  private async send(method: HttpMethod, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const request: FhirRequest = { method, url, pathname: '', body, params: {}, query: {}, headers, config: { transactions: true } };
    return this.router.handleRequest(request, this.repo).catch((error: unknown) => [normalizeOperationOutcome(error)] as const);
  }

  private expect<T>(outcome: OperationOutcome, resource: Resource | undefined, what: string): T {
    if (!isOk(outcome) || !resource) {
      throw new FhirStoreError(`FHIR ${what} failed: ${normalizeErrorString(outcome)}`, getStatus(outcome), outcome);
    }
    return resource as T;
  }
}
