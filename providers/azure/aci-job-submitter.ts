import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';

export interface AciJobSubmitterOptions {
  client: ContainerInstanceManagementClient;
  resourceGroup: string;
  location: string;
  /** The preprocessing image (the same batch image AWS Batch and Cloud Run Jobs run). */
  image: string;
  /** Resource id of the user-assigned managed identity the job runs as (Blob data access, image pull). */
  identityId: string;
  /** Client id of that identity, so `DefaultAzureCredential` in the container picks it. */
  identityClientId: string;
  /** Registry login server (`myacr.azurecr.io`) to pull `image` from with the identity; omit for public images. */
  registryServer?: string;
  /** Defaults: 4 vCPU, 16 GiB (the pipeline's measured peak stays well below). */
  cpu?: number;
  memoryInGB?: number;
  /**
   * Run time limit in seconds (ACI has none of its own): passed as `ADNI_JOB_TIMEOUT_SECONDS`, which the batch
   * image enforces like a Batch/Cloud Run timeout (abort, status failed).
   */
  timeoutSeconds?: number;
  /** Extra container environment for the store inside the job (e.g. `ADNI_AZURE_BLOB_URL`). */
  environment?: Record<string, string>;
  /** Delegated subnet for private networking; public egress only when omitted. */
  subnetId?: string;
}

/** The container name inside every job's container group. */
export const ACI_CONTAINER_NAME = 'preprocess';

/**
 * Starts one preprocessing job as its own Azure Container Instances container group (restart policy
 * Never, so it runs once and stays as a record of the run), with the same image and environment contract
 * as AWS Batch and Cloud Run Jobs. The group name is the deterministic job name, so a retried submission
 * of the same session version updates the same group instead of starting a second one.
 *
 * @example
 * const jobs = new AciJobSubmitter({ client, resourceGroup: 'adni', location: 'westeurope', image, identityId, identityClientId });
 * const { jobId } = await jobs.submit(request);
 */
export class AciJobSubmitter implements JobSubmitter {
  constructor(private readonly options: AciJobSubmitterOptions) {}

  async submit(request: PreprocessJobRequest): Promise<SubmittedJob> {
    const o = this.options;
    const group = containerGroupFor(request, o);
    // Only the initial PUT is awaited (the LRO is not): ARM accepting the group is "submitted"; the job's
    // progress is read later with AciJobStatusReader.
    await o.client.containerGroups.beginCreateOrUpdate(o.resourceGroup, request.jobName, group);
    const jobId =
      `/subscriptions/${o.client.subscriptionId}/resourceGroups/${o.resourceGroup}` +
      `/providers/Microsoft.ContainerInstance/containerGroups/${request.jobName}`;
    return { jobId, provider: 'azure-aci' };
  }
}

/** The container group one job runs as. Exported so tests and the deployment plan can show it. */
export function containerGroupFor(request: PreprocessJobRequest, o: AciJobSubmitterOptions): ContainerGroup {
  const env: Record<string, string> = { ...o.environment, ...jobEnvironment(request), ADNI_STORE: 'azure', AZURE_CLIENT_ID: o.identityClientId };
  if (o.timeoutSeconds) env.ADNI_JOB_TIMEOUT_SECONDS = String(o.timeoutSeconds);
  const group: ContainerGroup = {
    location: o.location,
    identity: { type: 'UserAssigned', userAssignedIdentities: { [o.identityId]: {} } },
    osType: 'Linux',
    restartPolicy: 'Never',
    sku: 'Standard',
    // Tags show in the portal: the fingerprint only, never the patient id.
    tags: { app: 'adni-progression', 'adni-fingerprint': request.fingerprint },
    containers: [
      {
        name: ACI_CONTAINER_NAME,
        image: o.image,
        resources: { requests: { cpu: o.cpu ?? 4, memoryInGB: o.memoryInGB ?? 16 } },
        environmentVariables: Object.entries(env).map(([name, value]) => ({ name, value })),
      },
    ],
  };
  if (o.registryServer) group.imageRegistryCredentials = [{ server: o.registryServer, identity: o.identityId }];
  if (o.subnetId) group.subnetIds = [{ id: o.subnetId }];
  return group;
}
