import { FUNCTION_URI, GCS_SERVICE_AGENT, type Binding, type GcpPlan, type GcpPlanStep } from './plan.js';
import { GcpPluginError } from './settings.js';

/** Base URLs of the Google APIs the plan uses; tests point them all at one loopback server. */
export interface GcpEndpoints {
  iam: string;
  storage: string;
  run: string;
  functions: string;
  resourceManager: string;
  /** Cloud Scheduler v1 (optional in overrides: defaults to the Google endpoint). */
  scheduler?: string;
}
export const GOOGLE_ENDPOINTS: GcpEndpoints = {
  iam: 'https://iam.googleapis.com',
  storage: 'https://storage.googleapis.com',
  run: 'https://run.googleapis.com',
  functions: 'https://cloudfunctions.googleapis.com',
  resourceManager: 'https://cloudresourcemanager.googleapis.com',
  scheduler: 'https://cloudscheduler.googleapis.com',
};

export interface GcpDeployOptions {
  plan: GcpPlan;
  /** The function source zip the plan names. */
  zip: Buffer;
  /** An OAuth access token with the cloud-platform scope (google-auth-library's ADC in the plugin). */
  accessToken: () => Promise<string>;
  log: (message: string) => void;
  endpoints?: GcpEndpoints;
  /** Delay between polls of a long-running operation (default 3 s). */
  pollMs?: number;
  /** Give up on an operation after this long (default 20 minutes: function builds take minutes). */
  operationTimeoutMs?: number;
}

export interface GcpDeployResult {
  created: string[];
  updated: string[];
  /** Resources whose IAM policy changed. */
  iamChanged: string[];
}

interface Reply {
  status: number;
  json: any;
}

/**
 * Applies a {@link GcpPlan} in order through the Google REST APIs: each resource is read first, then created when
 * missing or patched when present (a re-run converges), long-running operations are awaited, and IAM bindings
 * are merged into the resource's policy (other members are kept; an unchanged policy is not written).
 *
 * @example
 * await deployGcp({ plan, zip, accessToken: () => new GoogleAuth({ scopes }).getAccessToken(), log: console.log });
 */
export async function deployGcp(o: GcpDeployOptions): Promise<GcpDeployResult> {
  const e = o.endpoints ?? GOOGLE_ENDPOINTS;
  const { project, region } = o.plan;
  const result: GcpDeployResult = { created: [], updated: [], iamChanged: [] };
  const pollMs = o.pollMs ?? 3000;
  const token = await o.accessToken();

  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined || Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };
  const ok = (what: string, reply: Reply): any => {
    if (reply.status >= 200 && reply.status < 300) return reply.json;
    const message = reply.json?.error?.message ?? `HTTP ${reply.status}`;
    throw new GcpPluginError(`Google Cloud deploy failed at ${what}: ${reply.status} ${reply.json?.error?.status ?? ''} ${message}`.replace(/\s+/g, ' ').trim());
  };
  const wait = async (what: string, base: string, operation: any) => {
    const deadline = Date.now() + (o.operationTimeoutMs ?? 20 * 60_000);
    let op = operation;
    while (!op?.done) {
      if (Date.now() > deadline) throw new GcpPluginError(`Google Cloud deploy failed at ${what}: operation ${op?.name} did not finish in time`);
      await new Promise((r) => setTimeout(r, pollMs));
      op = ok(what, await call('GET', `${base}/v2/${op.name}`));
    }
    if (op.error) throw new GcpPluginError(`Google Cloud deploy failed at ${what}: ${op.error.message ?? JSON.stringify(op.error)}`);
    return op;
  };
  /** GET; 404 -> create; else -> update. Returns what happened. */
  const upsert = async (what: string, get: string, create: () => Promise<Reply>, update: () => Promise<Reply>, base?: string) => {
    const existing = await call('GET', get);
    if (existing.status !== 404) ok(`${what} (read)`, existing);
    const created = existing.status === 404;
    o.log(`Google Cloud: ${created ? 'create' : 'update'} ${what}`);
    const reply = ok(what, await (created ? create() : update()));
    // Cloud Run and Cloud Functions answer with an Operation (proto3 JSON omits `done` while it runs).
    if (base) await wait(what, base, reply);
    (created ? result.created : result.updated).push(what);
  };
  /** Read-merge-write of an IAM policy; writes only when a binding is missing. */
  const grant = async (what: string, read: () => Promise<Reply>, write: (policy: any) => Promise<Reply>, bindings: Binding[]) => {
    const policy = ok(`${what} IAM (read)`, await read()) ?? {};
    const merged = mergeBindings(policy, bindings);
    if (!merged.changed) return;
    o.log(`Google Cloud: grant ${bindings.map((b) => b.role).join(', ')} on ${what}`);
    ok(`${what} IAM`, await write(merged.policy));
    result.iamChanged.push(what);
  };

  let gcsAgent: string | undefined;
  let source: unknown;
  for (const step of o.plan.steps) {
    switch (step.kind) {
      case 'serviceAccount': {
        const get = `${e.iam}/v1/projects/${project}/serviceAccounts/${step.email}`;
        const existing = await call('GET', get);
        if (existing.status === 404) {
          o.log(`Google Cloud: create service account ${step.email}`);
          ok(`service account ${step.email}`, await call('POST', `${e.iam}/v1/projects/${project}/serviceAccounts`, step.body));
          result.created.push(`service account ${step.email}`);
        } else ok(`service account ${step.email} (read)`, existing);
        break;
      }
      case 'bucket': {
        const b = `${e.storage}/storage/v1/b/${step.name}`;
        const { name: _name, location: _location, ...mutable } = step.body;
        await upsert(`bucket ${step.name}`, b, () => call('POST', `${e.storage}/storage/v1/b?project=${project}`, step.body), () => call('PATCH', b, mutable));
        await grant(`bucket ${step.name}`, () => call('GET', `${b}/iam`), (policy) => call('PUT', `${b}/iam`, policy), step.bindings);
        break;
      }
      case 'cloudRunJob':
      case 'cloudRunService': {
        const collection = step.kind === 'cloudRunJob' ? 'jobs' : 'services';
        const idParam = step.kind === 'cloudRunJob' ? 'jobId' : 'serviceId';
        const what = `${step.kind === 'cloudRunJob' ? 'Cloud Run job' : 'Cloud Run service'} ${step.id}`;
        await upsert(
          what,
          `${e.run}/v2/${step.name}`,
          () => call('POST', `${e.run}/v2/projects/${project}/locations/${region}/${collection}?${idParam}=${step.id}`, step.body),
          () => call('PATCH', `${e.run}/v2/${step.name}`, step.body),
          e.run,
        );
        await runIam(what, `${e.run}/v2/${step.name}`, step.bindings);
        break;
      }
      case 'function': {
        if (!source) {
          // The official upload path: a signed URL in a Google-managed bucket, then the storageSource it names.
          const upload = ok('function source upload URL', await call('POST', `${e.functions}/v2/projects/${project}/locations/${region}/functions:generateUploadUrl`, {}));
          o.log(`Google Cloud: upload function source (${o.zip.length} bytes)`);
          const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: new Uint8Array(o.zip) });
          if (!put.ok) throw new GcpPluginError(`Google Cloud deploy failed at function source upload: HTTP ${put.status}`);
          source = { storageSource: upload.storageSource };
        }
        const body = { ...step.body, buildConfig: { ...step.body.buildConfig, source } };
        await upsert(
          `function ${step.id}`,
          `${e.functions}/v2/${step.name}`,
          () => call('POST', `${e.functions}/v2/projects/${project}/locations/${region}/functions?functionId=${step.id}`, body),
          () => call('PATCH', `${e.functions}/v2/${step.name}?updateMask=${updateMask(body)}`, body),
          e.functions,
        );
        // Invoker rights live on the function's Cloud Run service (same id).
        await runIam(`function ${step.id}`, `${e.run}/v2/projects/${project}/locations/${region}/services/${step.id}`, step.bindings);
        break;
      }
      case 'schedulerJob': {
        // The target's URL is assigned by Cloud Run: read it from the function deployed above.
        const fn = ok(`function ${step.function} (read URL)`, await call('GET', `${e.functions}/v2/${step.function}`));
        const uri: string | undefined = fn?.serviceConfig?.uri ?? fn?.url;
        if (!uri) throw new GcpPluginError(`Google Cloud deploy failed at Cloud Scheduler job ${step.id}: function ${step.function} has no URL yet`);
        const body = JSON.parse(JSON.stringify(step.body).replaceAll(JSON.stringify(FUNCTION_URI), JSON.stringify(uri)));
        const scheduler = e.scheduler ?? GOOGLE_ENDPOINTS.scheduler!;
        await upsert(
          `Cloud Scheduler job ${step.id}`,
          `${scheduler}/v1/${step.name}`,
          () => call('POST', `${scheduler}/v1/projects/${project}/locations/${region}/jobs`, body),
          () => call('PATCH', `${scheduler}/v1/${step.name}?updateMask=${updateMask(body)}`, body),
        );
        break;
      }
      case 'serviceAccountIam': {
        const resource = `${e.iam}/v1/projects/${project}/serviceAccounts/${step.email}`;
        await grant(`service account ${step.email}`, () => call('POST', `${resource}:getIamPolicy`, {}), (policy) => call('POST', `${resource}:setIamPolicy`, { policy }), step.bindings);
        break;
      }
      case 'projectIam': {
        if (!gcsAgent) {
          const agent = ok('Cloud Storage service agent', await call('GET', `${e.storage}/storage/v1/projects/${project}/serviceAccount`));
          gcsAgent = `serviceAccount:${agent.email_address}`;
        }
        const bindings = step.bindings.map((b) => ({ ...b, members: b.members.map((m) => (m === GCS_SERVICE_AGENT ? gcsAgent! : m)) }));
        const resource = `${e.resourceManager}/v1/projects/${project}`;
        await grant(`project ${project}`, () => call('POST', `${resource}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } }), (policy) => call('POST', `${resource}:setIamPolicy`, { policy }), bindings);
        break;
      }
    }
  }
  return result;

  async function runIam(what: string, resource: string, bindings: Binding[]) {
    await grant(what, () => call('GET', `${resource}:getIamPolicy`), (policy) => call('POST', `${resource}:setIamPolicy`, { policy }), bindings);
  }
}

/** Adds missing members to a policy's bindings; `changed` is false when every member was already there. */
export function mergeBindings(policy: { bindings?: Binding[]; [k: string]: unknown }, add: Binding[]): { policy: any; changed: boolean } {
  const bindings = (policy.bindings ?? []).map((b) => ({ ...b, members: [...b.members] }));
  let changed = false;
  for (const wanted of add) {
    // Conditional bindings are someone else's: only an unconditional binding of the role is extended.
    let binding = bindings.find((b) => b.role === wanted.role && !(b as { condition?: unknown }).condition);
    if (!binding) {
      binding = { role: wanted.role, members: [] };
      bindings.push(binding);
    }
    for (const member of wanted.members) {
      if (!binding.members.includes(member)) {
        binding.members.push(member);
        changed = true;
      }
    }
  }
  return { policy: { ...policy, bindings }, changed };
}

function updateMask(body: Record<string, unknown>): string {
  return Object.keys(body).filter((k) => k !== 'name').join(',');
}

export type { GcpPlanStep };
