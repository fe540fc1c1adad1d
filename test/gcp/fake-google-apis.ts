import { startLoopback, type Loopback, type RecordedRequest } from '../azure/loopback.js';

export interface FakeGoogleApis {
  /** Base URL of every API (IAM, Storage, Run, Functions, Resource Manager) on one loopback port. */
  url: string;
  requests: RecordedRequest[];
  /** Resources created or patched, by REST path (request bodies as sent). */
  resources: Map<string, any>;
  /** IAM policies by resource path. */
  policies: Map<string, any>;
  /** Bodies PUT to the signed source upload URL. */
  uploads: { length: number; contentType?: string }[];
  /** Paths matching this answer 403 PERMISSION_DENIED. */
  failPath?: RegExp;
  close(): Promise<void>;
}

/**
 * A stateful stand-in for the Google REST APIs the GCP deploy uses, on one loopback port: resources by path
 * (404 until created), long-running operations (finished on their first poll, or at once with
 * `immediateOperations`), IAM policies per resource, the functions source upload URL, the Cloud Storage
 * service agent lookup, Cloud Scheduler jobs (named in the body) and each function's Cloud Run URL. The edge of a cloud we cannot reach, answering in each API's JSON shape.
 *
 * @example
 * const google = await startFakeGoogleApis({ project: 'adni-progression-dev' });
 * await deployGcp({ plan, zip, accessToken, log, endpoints: { iam: google.url, storage: google.url, ... } });
 */
export async function startFakeGoogleApis(o: { project: string; immediateOperations?: boolean }): Promise<FakeGoogleApis> {
  const fake = { resources: new Map(), policies: new Map(), uploads: [], failPath: undefined } as unknown as FakeGoogleApis;
  let loopback: Loopback;
  const handler = (r: RecordedRequest) => {
    const [path, query = ''] = r.url.split('?');
    if (fake.failPath?.test(path)) return { status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'Permission denied on resource' } } };
    const iam = path.match(/^(.*?)(?::getIamPolicy|:setIamPolicy|\/iam)$/);
    if (iam) {
      const resource = iam[1];
      if (r.method === 'GET' || path.endsWith(':getIamPolicy')) return { status: 200, body: fake.policies.get(resource) ?? { etag: 'BwY=' } };
      fake.policies.set(resource, r.method === 'PUT' ? r.json : r.json.policy);
      return { status: 200, body: fake.policies.get(resource) };
    }
    if (path.endsWith('functions:generateUploadUrl')) {
      return { status: 200, body: { uploadUrl: `${loopback.url}/signed-upload/source.zip`, storageSource: { bucket: 'gcf-v2-uploads', object: 'source.zip' } } };
    }
    if (path.startsWith('/signed-upload/')) {
      fake.uploads.push({ length: Number(r.headers['content-length']), contentType: r.headers['content-type'] });
      return { status: 200, body: '' };
    }
    if (path === `/storage/v1/projects/${o.project}/serviceAccount`) return { status: 200, body: { email_address: 'service-123@gs-project-accounts.iam.gserviceaccount.com' } };
    if (/\/operations\//.test(path)) return { status: 200, body: { name: path.replace(/^\/v2\//, ''), done: true, response: {} } };
    if (r.method === 'GET') return fake.resources.has(path) ? { status: 200, body: fake.resources.get(path) } : { status: 404, body: { error: { code: 404, message: 'not found' } } };
    // Creates (POST collection?id=) and updates (PATCH resource): remember, answer like each API does.
    const id = new URLSearchParams(query);
    const created =
      path === `/v1/projects/${o.project}/serviceAccounts` ? `${path}/${r.json.accountId}@${o.project}.iam.gserviceaccount.com`
      : path === '/storage/v1/b' ? `${path}/${r.json.name}`
      // Cloud Scheduler v1 names the job in the body (no id parameter).
      : r.method === 'POST' && /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/jobs$/.test(path) ? `/v1/${r.json.name}`
      : r.method === 'POST' ? `${path}/${id.get('jobId') ?? id.get('serviceId') ?? id.get('functionId')}`
      : path;
    // A function's URL is assigned by Cloud Run (output only), as the real API reports it on a GET.
    const fn = /\/functions\/([^/]+)$/.exec(created);
    fake.resources.set(created, fn ? { ...r.json, serviceConfig: { ...r.json.serviceConfig, uri: `https://${fn[1]}-x7k2q9dz4a-ez.a.run.app` } } : r.json);
    if (path.startsWith('/v2/')) {
      const operation = { name: `projects/${o.project}/locations/europe-west4/operations/op-${fake.requests.length}` };
      return { status: 200, body: o.immediateOperations ? { ...operation, done: true, response: {} } : operation };
    }
    return { status: 200, body: r.json };
  };
  loopback = await startLoopback(handler);
  fake.url = loopback.url;
  fake.requests = loopback.requests;
  fake.close = () => loopback.close();
  return fake;
}
