import { describe, expect, it } from 'vitest';
import { silentLogger } from '../ports/observability.js';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { createApiApp } from './app.js';
import type { PredictRouteDeps } from './routes/predict.js';
import { OPERATIONS, openApiDocument } from './openapi.js';

/** hono `/a/:id/files/*` → OpenAPI `/a/{id}/files/{file}` (the one wildcard route names its rest `file`). */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/\*$/, '/{file}');
}

describe('OpenAPI document', () => {
  // Every optional dependency given, so every route is registered (none is called here).
  const predictor = { predict: async () => [], device: 'cpu', model: 'none', spec: { outputs: { horizonsMonths: [6, 12, 24, 36] } } } as unknown as PredictRouteDeps['predictor'];
  const app = createApiApp({
    store: new FsObjectStore({ root: '/nonexistent-adni-openapi' }),
    logger: silentLogger,
    fhir: memoryFhirStore().store,
    prediction: { history: { get: async () => undefined }, predictor },
  });
  const bare = createApiApp({ store: new FsObjectStore({ root: '/nonexistent-adni-openapi' }), logger: silentLogger });

  it('lists every route the app registers, with its method', () => {
    // Prepare
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const registered = [...app.routes, ...bare.routes].filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`);
    // Act
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    // Assess
    expect(registered.length).toBeGreaterThan(5);
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('is OpenAPI 3.1 and is served at GET /openapi.json', async () => {
    // Act
    const response = await app.request('/openapi.json');
    const served = (await response.json()) as Record<string, any>;
    // Assess
    expect(response.status).toBe(200);
    expect(served.openapi).toBe('3.1.0');
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it.each(OPERATIONS.filter((op) => op.request).map((op) => [op.path]))('%s documents its request body from the zod schema', (path) => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, any>> };
    const schema = doc.paths[path].post.requestBody.content['application/json'].schema;
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
  });

  it('documents the patient_id pattern the routes enforce', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, any>> };
    const [param] = doc.paths['/preprocessing-status/{patient_id}'].get.parameters;
    expect(param).toMatchObject({ name: 'patient_id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } });
  });
});
