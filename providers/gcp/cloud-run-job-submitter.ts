import type { protos, v2 } from '@google-cloud/run';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';

type JobsClient = v2.JobsClient;

export interface CloudRunJobSubmitterOptions {
  /** `new JobsClient()` in Cloud Run (gRPC + the runtime service account); tests pass a REST client on loopback. */
  client: JobsClient;
  projectId: string;
  region: string;
  /** The Cloud Run Job that runs the batch image (created by the deployment, one for all sessions). */
  jobName: string;
  /** Extra container environment for the store inside the job (e.g. `ADNI_GCS_PROJECT`). */
  environment?: Record<string, string>;
  /** Per-execution timeout in seconds (default: the job's own). */
  timeoutSeconds?: number;
}

/**
 * Starts one preprocessing job as one execution of a Cloud Run Job, with the session passed as per-execution
 * container environment overrides (`RunJobRequest.overrides.containerOverrides`): the same image and the same
 * environment contract as AWS Batch and ACI. The long-running operation is not awaited (an execution takes
 * minutes): the execution's name, from the operation metadata, is the job id.
 *
 * @example
 * const jobs = new CloudRunJobSubmitter({ client: new JobsClient(), projectId: 'adni', region: 'europe-west4', jobName: 'adni-preprocess' });
 * const { jobId } = await jobs.submit(request); // projects/adni/locations/europe-west4/jobs/adni-preprocess/executions/...
 */
export class CloudRunJobSubmitter implements JobSubmitter {
  constructor(private readonly options: CloudRunJobSubmitterOptions) {}

  async submit(request: PreprocessJobRequest): Promise<SubmittedJob> {
    const o = this.options;
    const [operation] = await o.client.runJob(runJobRequestFor(request, o));
    const execution = (operation.metadata as protos.google.cloud.run.v2.IExecution | undefined)?.name;
    return { jobId: execution || operation.name || request.jobName, provider: 'gcp-cloud-run' };
  }
}

/** The RunJob request for one job. Exported so tests and the deployment plan can show it. */
export function runJobRequestFor(request: PreprocessJobRequest, o: CloudRunJobSubmitterOptions): protos.google.cloud.run.v2.IRunJobRequest {
  const env = { ...o.environment, ...jobEnvironment(request), ADNI_STORE: 'gcp' };
  const overrides: protos.google.cloud.run.v2.RunJobRequest.IOverrides = {
    containerOverrides: [{ env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
    taskCount: 1,
  };
  if (o.timeoutSeconds) overrides.timeout = { seconds: o.timeoutSeconds };
  return { name: `projects/${o.projectId}/locations/${o.region}/jobs/${o.jobName}`, overrides };
}
