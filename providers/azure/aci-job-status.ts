import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { PreprocessingStatus } from '../../shared/ports/status-sink.js';
import { ACI_CONTAINER_NAME } from './aci-job-submitter.js';

/** What ACI says about one job, in the product's status words. */
export interface AciJobState {
  status: PreprocessingStatus;
  /** Why it failed, in words a user can act on. */
  reason?: string;
  exitCode?: number;
}

/**
 * Reads a job's container group and maps it to a preprocessing status: running container → in-progress,
 * terminated with exit code 0 → completed, non-zero exit or failed provisioning → failed with the reason.
 * Returns undefined when the group does not exist (never submitted, or cleaned up).
 *
 * @example
 * const state = await new AciJobStatusReader(client, 'adni-rg').read('adni-3f1c9a0b2d-0123456789ab');
 */
export class AciJobStatusReader {
  constructor(
    private readonly client: ContainerInstanceManagementClient,
    private readonly resourceGroup: string,
  ) {}

  async read(jobName: string): Promise<AciJobState | undefined> {
    let group;
    try {
      group = await this.client.containerGroups.get(this.resourceGroup, jobName);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
    const container = group.containers.find((c) => c.name === ACI_CONTAINER_NAME) ?? group.containers[0];
    const current = container?.instanceView?.currentState;
    if (group.provisioningState === 'Failed') {
      const event = container?.instanceView?.events?.at(-1)?.message;
      return { status: 'failed', reason: `the container group could not be provisioned${event ? `: ${event}` : ''}` };
    }
    if (current?.state === 'Terminated') {
      if (current.exitCode === 0) return { status: 'completed', exitCode: 0 };
      const detail = current.detailStatus ? ` (${current.detailStatus})` : '';
      return { status: 'failed', exitCode: current.exitCode, reason: `preprocessing exited with code ${current.exitCode}${detail}` };
    }
    if (current?.state === 'Running') return { status: 'in-progress' };
    return { status: 'requested' };
  }
}
