import type { protos, v2 } from '@google-cloud/run';
import type { PreprocessingStatus } from '../../shared/ports/status-sink.js';

/** What Cloud Run says about one execution, in the product's status words. */
export interface CloudRunJobState {
  status: PreprocessingStatus;
  reason?: string;
}

/**
 * Reads one Cloud Run Job execution and maps it to a preprocessing status: succeeded task → completed,
 * failed or cancelled → failed with Cloud Run's message, running → in-progress, otherwise requested.
 * Returns undefined when the execution does not exist.
 *
 * @example
 * const state = await new CloudRunJobStatusReader(new ExecutionsClient()).read(jobId);
 */
export class CloudRunJobStatusReader {
  constructor(private readonly client: v2.ExecutionsClient) {}

  async read(executionName: string): Promise<CloudRunJobState | undefined> {
    let execution: protos.google.cloud.run.v2.IExecution;
    try {
      [execution] = await this.client.getExecution({ name: executionName });
    } catch (error) {
      // gRPC NOT_FOUND is 5; the REST transport reports 404.
      const code = (error as { code?: number }).code;
      if (code === 5 || code === 404) return undefined;
      throw error;
    }
    if ((execution.succeededCount ?? 0) > 0) return { status: 'completed' };
    if ((execution.failedCount ?? 0) > 0 || (execution.cancelledCount ?? 0) > 0) {
      const completed = execution.conditions?.find((c) => c.type === 'Completed');
      const why = completed?.message ? `: ${completed.message}` : '';
      return { status: 'failed', reason: `the preprocessing job ${(execution.cancelledCount ?? 0) > 0 ? 'was cancelled' : 'failed'}${why}` };
    }
    if ((execution.runningCount ?? 0) > 0) return { status: 'in-progress' };
    return { status: 'requested' };
  }
}
