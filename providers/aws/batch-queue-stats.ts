import { ListJobsCommand, type BatchClient, type JobStatus } from '@aws-sdk/client-batch';

/** What CloudWatch cannot tell about a Batch queue on its own. */
export interface BatchQueueStats {
  /** Jobs accepted but not yet running (SUBMITTED, PENDING, RUNNABLE, STARTING). */
  backlog: number;
  running: number;
  /** Age of the longest-running job in seconds (0 when none runs). */
  longestRunningSeconds: number;
}

const WAITING: JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING'];

/**
 * Counts a job queue's backlog and its longest-running job with ListJobs (AWS Batch publishes no queue
 * metrics). Pages through every result.
 *
 * @example
 * const stats = await batchQueueStats(new BatchClient({}), 'adni-preprocess-dev', new Date());
 */
export async function batchQueueStats(client: BatchClient, jobQueue: string, now: Date): Promise<BatchQueueStats> {
  let backlog = 0;
  for (const status of WAITING) backlog += (await listAll(client, jobQueue, status)).length;
  const running = await listAll(client, jobQueue, 'RUNNING');
  const oldestStart = Math.min(...running.map((job) => job.startedAt ?? job.createdAt ?? now.getTime()), now.getTime());
  return { backlog, running: running.length, longestRunningSeconds: Math.max(0, Math.round((now.getTime() - oldestStart) / 1000)) };
}

async function listAll(client: BatchClient, jobQueue: string, jobStatus: JobStatus) {
  const jobs: { startedAt?: number; createdAt?: number }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListJobsCommand({ jobQueue, jobStatus, nextToken }));
    jobs.push(...(page.jobSummaryList ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}
