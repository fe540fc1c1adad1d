import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { StatusSink } from '../../shared/ports/status-sink.js';

export interface StatusSinkFactoryInput {
  /** The job's output store (status objects go next to the outputs). */
  outputStore: ObjectStore;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export type StatusSinkFactory = (input: StatusSinkFactoryInput) => Promise<StatusSink>;

/**
 * Where the job reports its status, by `ADNI_STATUS_SINK` (default `store`). FHIR adds its entry here.
 */
export const statusSinkFactories: Record<string, StatusSinkFactory> = {
  /** `status/{patient}/{session}/{fingerprint}.json` in the output store. */
  store: async ({ outputStore }) => {
    const { StoreStatusSink } = await import('../../providers/local/store-status-sink.js');
    return new StoreStatusSink(outputStore);
  },
  /** Log lines only (the platform's job state is the status). */
  log: async ({ logger }) => ({
    async update(update) {
      logger.info('job status', { status: update.status, reason: update.reason, outputs: update.outputs ? Object.keys(update.outputs) : undefined });
    },
  }),
};

/**
 * The StatusSink named by `ADNI_STATUS_SINK`.
 *
 * @example
 * const sink = await createStatusSink({ name: 'store', outputStore, logger, env: process.env });
 */
export async function createStatusSink(input: StatusSinkFactoryInput & { name: string | undefined }): Promise<StatusSink> {
  const name = input.name || 'store';
  if (!Object.hasOwn(statusSinkFactories, name)) {
    throw new Error(`ADNI_STATUS_SINK must be one of ${Object.keys(statusSinkFactories).join(', ')} (got "${name}")`);
  }
  return statusSinkFactories[name](input);
}
