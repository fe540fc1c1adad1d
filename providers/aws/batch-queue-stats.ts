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

type Listed = { jobId?: string; startedAt?: number; createdAt?: number; arrayProperties?: { size?: number } };

/**
 * Counts a job queue's backlog and its longest-running job with ListJobs (AWS Batch publishes no queue
 * metrics). Pages through every result. An array job (backfill) is listed on the queue as its parent only: its
 * children, which are the real work, are listed by `arrayJobId` and counted in the parent's place.
 *
 * @example
 * const stats = await batchQueueStats(new BatchClient({}), 'adni-preprocess-dev', new Date());
 */
export async function batchQueueStats(client: BatchClient, jobQueue: string, now: Date): Promise<BatchQueueStats> {
  const statuses: JobStatus[] = [...WAITING, 'RUNNING'];
  const byStatus = new Map<JobStatus, Listed[]>();
  for (const status of statuses) byStatus.set(status, await listAll(client, { jobQueue }, status));
  const parents = new Set([...byStatus.values()].flat().filter((job) => job.arrayProperties?.size !== undefined && job.jobId).map((job) => job.jobId!));
  for (const arrayJobId of parents) {
    for (const status of statuses) byStatus.get(status)!.push(...(await listAll(client, { arrayJobId }, status)));
  }
  // Deduplicated by id, so a child listed both ways would still count once.
  const count = (status: JobStatus) => [...new Map(byStatus.get(status)!.map((job, i) => [job.jobId ?? `#${i}`, job])).values()].filter((job) => !parents.has(job.jobId ?? ''));
  const backlog = WAITING.reduce((sum, status) => sum + count(status).length, 0);
  const running = count('RUNNING');
  const oldestStart = Math.min(...running.map((job) => job.startedAt ?? job.createdAt ?? now.getTime()), now.getTime());
  return { backlog, running: running.length, longestRunningSeconds: Math.max(0, Math.round((now.getTime() - oldestStart) / 1000)) };
}

async function listAll(client: BatchClient, scope: { jobQueue: string } | { arrayJobId: string }, jobStatus: JobStatus): Promise<Listed[]> {
  const jobs: Listed[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListJobsCommand({ ...scope, jobStatus, nextToken }));
    jobs.push(...(page.jobSummaryList ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}
