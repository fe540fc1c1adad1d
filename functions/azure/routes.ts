/** One HTTP route of the shared API as an Azure Functions `app.http` registration. */
export interface AzureHttpRoute {
  /** Function name in the Function App (letters, digits, dashes). */
  name: string;
  /** Azure Functions route template (no leading slash; host.json sets the route prefix to ""). */
  route: string;
  methods: ('GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'HEAD')[];
}

/**
 * The API's routes served by the Function App, one Azure function each (POST /predict-progression is served by
 * the GPU Container App instead, like the container-image function on AWS), so the platform's route table (and its metrics per function)
 * matches the API instead of one catch-all. `providers/azure/serverless.yml` declares the same routes as
 * `http` events; the packaging plugin refuses to package when the two differ.
 *
 * @example
 * for (const r of AZURE_HTTP_ROUTES) app.http(r.name, { route: r.route, methods: r.methods, handler });
 */
export const AZURE_HTTP_ROUTES: readonly AzureHttpRoute[] = [
  { name: 'uploads', route: 'uploads', methods: ['POST'] },
  { name: 'reprocess', route: 'reprocess', methods: ['POST'] },
  { name: 'backfill', route: 'backfill', methods: ['POST'] },
  { name: 'preprocessingStatus', route: 'preprocessing-status/{patient_id}', methods: ['GET'] },
  { name: 'patientTimeline', route: 'patient-timeline/{patient_id}', methods: ['GET'] },
  { name: 'patients', route: 'patients', methods: ['GET'] },
  { name: 'outputs', route: 'outputs/{patient_id}/{session_date}', methods: ['GET'] },
  { name: 'outputFiles', route: 'outputs/{patient_id}/{session_date}/files/{*file}', methods: ['GET'] },
  { name: 'openapi', route: 'openapi.json', methods: ['GET'] },
  { name: 'health', route: 'health', methods: ['GET'] },
];
