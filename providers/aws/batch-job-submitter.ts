import { BatchClient, SubmitJobCommand, type BatchClientConfig } from '@aws-sdk/client-batch';
import { jobArrayIdOf, manifestRefValue, MANIFEST_VARIABLE, MAX_ARRAY_SIZE, MIN_ARRAY_SIZE } from '../../shared/core/job-array-manifest.js';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import type { JobArrayManifestRef, JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';
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
/** On an array job: the manifest id (`jobs/arrays/{id}.json`), which names no patient. */
export const BATCH_TAG_ARRAY = 'adni:array';

/**
 * {@link JobSubmitter} on AWS Batch: one SubmitJob per session version. The container receives the shared
 * job contract (`jobEnvironment`) as environment overrides; tags carry only the fingerprint and a session
 * pseudonym, and are propagated to the Fargate task so costs can be traced to a session without PHI.
 * Backfill uses {@link BatchJobSubmitter.submitArray}: one array job for up to 10 000 sessions.
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

  /**
   * One SubmitJob with `arrayProperties.size = requests.length` (2..10 000) on the same queue, definition and retry
   * strategy as {@link submit}. Every child gets only `ADNI_JOB_MANIFEST`; Batch adds `AWS_BATCH_JOB_ARRAY_INDEX`,
   * and the entrypoint reads its job environment from the manifest entry of that index. Child `i`'s id is
   * `{arrayJobId}:{i}`, which DescribeJobs and job events use for the child.
   *
   * @example
   * const children = await jobs.submitArray(requests, { bucket: 'adni-raw', key: 'jobs/arrays/20240301T101500Z-1a2b3c4d.json' });
   * children[2].jobId // '…-arrayJobId…:2'
   */
  async submitArray(requests: PreprocessJobRequest[], manifest: JobArrayManifestRef): Promise<SubmittedJob[]> {
    if (requests.length < MIN_ARRAY_SIZE || requests.length > MAX_ARRAY_SIZE) {
      throw new Error(`an AWS Batch array job has ${MIN_ARRAY_SIZE} to ${MAX_ARRAY_SIZE} children (got ${requests.length})`);
    }
    const id = jobArrayIdOf(manifest.key);
    const out = await this.client.send(
      new SubmitJobCommand({
        // The manifest id: a timestamp and random hex, no patient (job names show in consoles).
        jobName: `adni-array-${id}`,
        jobQueue: this.options.jobQueue,
        jobDefinition: this.options.jobDefinition,
        arrayProperties: { size: requests.length },
        containerOverrides: { environment: [{ name: MANIFEST_VARIABLE, value: manifestRefValue(manifest) }] },
        // Per child: each child is retried on its own, as a single job would be.
        retryStrategy: { attempts: this.options.attempts },
        tags: { [BATCH_TAG_ARRAY]: id },
        propagateTags: true,
      }),
    );
    if (!out.jobId) throw new Error('AWS Batch accepted the array job but returned no job id');
    return requests.map((_, index) => ({ jobId: `${out.jobId}:${index}`, provider: 'aws-batch' }));
  }
}
