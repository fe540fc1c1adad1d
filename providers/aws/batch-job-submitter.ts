import { BatchClient, SubmitJobCommand, type BatchClientConfig } from '@aws-sdk/client-batch';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';
import { redactId } from '../../shared/util/redact.js';

export interface BatchJobSubmitterOptions {
  /** Job queue name or ARN. */
  jobQueue: string;
  /** Job definition name, name:revision or ARN. */
  jobDefinition: string;
  /** Attempts per job, 1-10 (AWS Batch's limits). Default 3. */
  attempts?: number;
  client?: BatchClient;
  clientConfig?: BatchClientConfig;
}

/** Where AWS Batch tags this project's jobs (tags show in consoles and bills: no PHI in them). */
export const BATCH_TAG_FINGERPRINT = 'adni:fingerprint';
export const BATCH_TAG_SESSION = 'adni:session';

/**
 * {@link JobSubmitter} on AWS Batch: one SubmitJob per session version. The container receives the shared
 * job contract (`jobEnvironment`) as environment overrides; tags carry only the fingerprint and a session
 * pseudonym, and are propagated to the Fargate task so costs can be traced to a session without PHI.
 *
 * @example
 * const jobs = new BatchJobSubmitter({ jobQueue: 'adni-preprocess', jobDefinition: 'adni-preprocess' });
 * const { jobId } = await jobs.submit(request);
 */
export class BatchJobSubmitter implements JobSubmitter {
  readonly client: BatchClient;
  private readonly options: BatchJobSubmitterOptions;

  constructor(options: BatchJobSubmitterOptions) {
    const attempts = options.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) throw new Error('attempts must be an integer from 1 to 10');
    this.options = { ...options, attempts };
    this.client = options.client ?? new BatchClient({ ...options.clientConfig });
  }

  async submit(request: PreprocessJobRequest): Promise<SubmittedJob> {
    const environment = Object.entries(jobEnvironment(request)).map(([name, value]) => ({ name, value }));
    const out = await this.client.send(
      new SubmitJobCommand({
        jobName: request.jobName,
        jobQueue: this.options.jobQueue,
        jobDefinition: this.options.jobDefinition,
        containerOverrides: { environment },
        retryStrategy: { attempts: this.options.attempts },
        tags: {
          [BATCH_TAG_FINGERPRINT]: request.fingerprint,
          [BATCH_TAG_SESSION]: redactId(`${request.patientId}/${request.sessionDate}`),
        },
        propagateTags: true,
      }),
    );
    if (!out.jobId) throw new Error('AWS Batch accepted the job but returned no job id');
    return { jobId: out.jobId, provider: 'aws-batch' };
  }
}
