import type { LoopbackReply, RecordedRequest } from './loopback.js';

/**
 * Answers like Azure Resource Manager (and a Function App's SCM endpoint) for what the Azure deploy calls:
 * resource group create-or-update, deployments that finish at once (provisioningState Succeeded, so the SDK's
 * long-running operation ends without polling), and the zip deploy. `failOn()` makes matching paths answer 403
 * AuthorizationFailed, as ARM does for a missing role. Use with `startLoopback(handler, { tls: true })`.
 *
 * @example
 * const fakeArm = createFakeArm();
 * const arm = await startLoopback(fakeArm.handler, { tls: true });
 */
export function createFakeArm() {
  let failOn: RegExp | undefined;
  const handler = (r: RecordedRequest): LoopbackReply => {
    const path = r.url.split('?')[0];
    if (failOn?.test(path)) {
      return { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Resources/deployments/write' } } };
    }
    if (r.method === 'POST' && path === '/api/publish') return { status: 202, body: '' };
    if (r.method === 'PUT' && /\/resourcegroups\/[^/]+$/i.test(path)) {
      return { status: 200, body: { id: path, name: path.split('/').pop(), location: r.json.location, properties: { provisioningState: 'Succeeded' } } };
    }
    if (r.method === 'PUT' && path.includes('/providers/Microsoft.Resources/deployments/')) {
      const outputs = path.endsWith('-infrastructure') ? { functionAppUrl: { type: 'String', value: 'https://adni-progression-ci-fn.azurewebsites.net' } } : {};
      return { status: 201, body: { id: path, name: path.split('/').pop(), properties: { provisioningState: 'Succeeded', mode: 'Incremental', outputs } } };
    }
    return { status: 404, body: { error: { code: 'NotFound', message: path } } };
  };
  return {
    handler,
    failOn(pattern: RegExp | undefined) {
      failOn = pattern;
    },
  };
}
