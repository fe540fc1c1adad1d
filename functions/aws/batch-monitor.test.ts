import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackBatch, type LoopbackBatch } from '../../test/aws/batch-recorder.js';
import { createBatchMonitor } from './batch-monitor.js';

const now = new Date('2024-03-01T12:00:00Z');
// Per status, the jobs the loopback Batch lists; RUNNABLE spans two pages to prove paging.
const jobs: Record<string, { startedAt?: number; createdAt: number }[][]> = {
  SUBMITTED: [[{ createdAt: now.getTime() }]],
  PENDING: [[]],
  RUNNABLE: [Array(7).fill({ createdAt: now.getTime() }), Array(5).fill({ createdAt: now.getTime() })],
  STARTING: [[]],
  RUNNING: [[{ createdAt: 0, startedAt: now.getTime() - 20 * 60_000 }, { createdAt: 0, startedAt: now.getTime() - 60_000 }]],
};

let batch: LoopbackBatch;
beforeAll(async () => {
  batch = await startLoopbackBatch((body) => {
    const pages = jobs[body.jobStatus] ?? [[]];
    const index = body.nextToken ? Number(body.nextToken) : 0;
    const summaries = pages[index].map((j, i) => ({ jobId: `${body.jobStatus}-${index}-${i}`, jobName: 'adni-x', ...j }));
    return { jobSummaryList: summaries, ...(index + 1 < pages.length ? { nextToken: String(index + 1) } : {}) };
  });
});
afterAll(async () => {
  await batch?.close();
});

describe('batch monitor', () => {
  it('publishes the backlog and the longest-running job for the queue alarms', async () => {
    // Prepare
    const gauges: [string, number, string | undefined][] = [];
    let flushed = 0;
    const monitor = createBatchMonitor(() => ({
      client: batch.client,
      jobQueue: 'adni-preprocess-ci',
      clock: { now: () => now },
      logger: { info() {} },
      metrics: { gauge: (name, value, unit) => gauges.push([name, value, unit]), flush: () => flushed++ },
    }));
    // Act
    const stats = await monitor();
    // Assess
    expect(stats).toEqual({ backlog: 13, running: 2, longestRunningSeconds: 1200 });
    expect(gauges).toEqual([
      ['QueueBacklog', 13, undefined],
      ['RunningJobs', 2, undefined],
      ['LongestRunningJobSeconds', 1200, 'Seconds'],
    ]);
    expect(flushed).toBe(1);
    const listed = batch.requests.filter((r) => r.path === '/v1/listjobs').map((r) => [r.body.jobQueue, r.body.jobStatus, r.body.nextToken]);
    expect(listed).toEqual([
      ['adni-preprocess-ci', 'SUBMITTED', undefined],
      ['adni-preprocess-ci', 'PENDING', undefined],
      ['adni-preprocess-ci', 'RUNNABLE', undefined],
      ['adni-preprocess-ci', 'RUNNABLE', '1'],
      ['adni-preprocess-ci', 'STARTING', undefined],
      ['adni-preprocess-ci', 'RUNNING', undefined],
    ]);
  });
});

describe('batch monitor with a backfill array job on the queue', () => {
  it('counts the array’s children (listed by arrayJobId) in place of its parent', async () => {
    // Prepare: the queue lists one array parent (PENDING) beside one single job; the parent's children are
    // 2 RUNNABLE and 1 RUNNING for 30 minutes.
    const arrayJobId = 'a1b2c3d4-0000-4000-8000-000000000000';
    const queue: Record<string, object[]> = {
      PENDING: [{ jobId: arrayJobId, createdAt: 0, arrayProperties: { size: 3 } }],
      RUNNING: [{ jobId: 'single', createdAt: 0, startedAt: now.getTime() - 60_000 }],
    };
    const children: Record<string, object[]> = {
      RUNNABLE: [0, 1].map((i) => ({ jobId: `${arrayJobId}:${i}`, createdAt: 0, arrayProperties: { index: i } })),
      RUNNING: [{ jobId: `${arrayJobId}:2`, createdAt: 0, startedAt: now.getTime() - 30 * 60_000, arrayProperties: { index: 2 } }],
    };
    const arrays = await startLoopbackBatch((body) => ({
      jobSummaryList: ((body.arrayJobId ? children : queue)[body.jobStatus] ?? []).map((j) => ({ jobName: 'adni-x', ...j })),
    }));
    try {
      const monitor = createBatchMonitor(() => ({
        client: arrays.client,
        jobQueue: 'adni-preprocess-ci',
        clock: { now: () => now },
        logger: { info() {} },
        metrics: { gauge() {}, flush() {} },
      }));
      // Act
      const stats = await monitor();
      // Assess
      expect(stats).toEqual({ backlog: 2, running: 2, longestRunningSeconds: 1800 });
      const byArray = arrays.requests.filter((r) => r.body.arrayJobId).map((r) => [r.body.arrayJobId, r.body.jobStatus, r.body.jobQueue]);
      expect(byArray).toEqual(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'].map((s) => [arrayJobId, s, undefined]));
    } finally {
      await arrays.close();
    }
  });
});
