import { getStatus, isOk, normalizeOperationOutcome, type WithId } from '@medplum/core';
import { FhirRouter, type FhirRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { capabilityStatement } from './capability.js';

export interface FhirRoutesOptions {
  repo: FhirRepository;
  /** Where the sub-app answers (default `/fhir/R4`); mount it with `app.route('/', fhirRoutes(...))`. */
  basePath?: string;
  /** Largest accepted request body in bytes (default 16 MiB). */
  maxBodyBytes?: number;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * The FHIR R4 REST API as a hono sub-app: `@medplum/fhir-router` semantics (read, vread, search, create,
 * update, conditional create/update, delete, history, batch/transaction) over any `FhirRepository`, plus
 * `GET /metadata`. Errors are OperationOutcomes with the matching HTTP status.
 *
 * @example
 * app.route('/', fhirRoutes({ repo }));   // serves /fhir/R4/...
 */
export function fhirRoutes(options: FhirRoutesOptions): Hono {
  const basePath = (options.basePath ?? '/fhir/R4').replace(/\/+$/, '');
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const router = new FhirRouter();
  const app = new Hono().basePath(basePath);

  app.get('/metadata', (c) => fhirJson(c, 200, capabilityStatement(baseUrlOf(c, basePath))));

  app.all('/*', async (c) => {
    const url = new URL(c.req.url);
    const relative = url.pathname.slice(basePath.length).replace(/^\/+/, '');
    const method = c.req.method as HttpMethod;
    let body: unknown;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const text = await c.req.text();
      if (text.length > maxBody) return outcome(c, 413, 'too-costly', `request body is larger than ${maxBody} bytes`);
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          return outcome(c, 400, 'structure', 'request body is not valid JSON');
        }
      }
      if (body === undefined && !relative.endsWith('_search')) return outcome(c, 400, 'required', 'request body is required');
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const request: FhirRequest = {
      method,
      url: relative + url.search,
      pathname: '',
      body,
      params: {},
      query: {},
      headers,
      config: { transactions: true },
    };
    const [result, resource] = await router.handleRequest(request, options.repo).catch((error: unknown) => [normalizeOperationOutcome(error)] as const);
    const status = getStatus(result) as ContentfulStatusCode;
    if (!resource) {
      return fhirJson(c, isOk(result) && status === 200 && method === 'DELETE' ? 200 : status, result);
    }
    const base = baseUrlOf(c, basePath);
    if (resource.resourceType === 'Bundle') absolutizeLinks(resource, base);
    else if (resource.id && resource.meta?.versionId) {
      c.header('ETag', `W/"${resource.meta.versionId}"`);
      if (resource.meta.lastUpdated) c.header('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
      if (status === 201) c.header('Location', `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`);
    }
    if (c.req.header('prefer') === 'return=minimal') return c.body(null, status);
    return fhirJson(c, status, resource);
  });
  return app;
}

function fhirJson(c: Context, status: ContentfulStatusCode, body: Resource | OperationOutcome) {
  return c.body(JSON.stringify(body), status, { 'content-type': FHIR_JSON });
}

function outcome(c: Context, status: ContentfulStatusCode, code: string, text: string) {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: code as 'invalid', details: { text } }],
  };
  return fhirJson(c, status, body);
}

/** `http://host:port/fhir/R4` as the client sees it (honours X-Forwarded-* from a local proxy). */
function baseUrlOf(c: Context, basePath: string): string {
  const url = new URL(c.req.url);
  const proto = c.req.header('x-forwarded-proto') ?? url.protocol.replace(':', '');
  const host = c.req.header('x-forwarded-host') ?? url.host;
  return `${proto}://${host}${basePath}`;
}

function absolutizeLinks(bundle: Bundle, base: string): void {
  for (const link of bundle.link ?? []) {
    if (link.url && !/^https?:/.test(link.url)) link.url = `${base}/${link.url.replace(/^\/+/, '')}`;
  }
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource as WithId<Resource> | undefined;
    if (r?.id && !entry.fullUrl) entry.fullUrl = `${base}/${r.resourceType}/${r.id}`;
  }
}

