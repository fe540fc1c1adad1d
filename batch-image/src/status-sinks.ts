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
  /**
   * FHIR Task + ImagingStudy at `FHIR_BASE_URL` (auth by `FHIR_AUTH`). Output URLs: `file://` on one machine,
   * `s3://` on AWS, `object://{bucket}/{key}` elsewhere.
   */
  fhir: async ({ env, logger }) => {
    const { fhirStoreFromEnv } = await import('../../shared/fhir/client.js');
    const { FhirStatusSink } = await import('../../shared/fhir/status-sink.js');
    const path = await import('node:path');
    const { pathToFileURL } = await import('node:url');
    const { localDataLayout } = await import('../../providers/local/data-dir.js');
    const objectUrl =
      env.ADNI_STORE === 'local'
        ? (_bucket: string, key: string) => pathToFileURL(path.join(localDataLayout({ env }).storeRoot, key)).href
        : env.ADNI_STORE === 's3'
          ? (bucket: string, key: string) => `s3://${bucket}/${key}`
          : undefined;
    return new FhirStatusSink({ store: await fhirStoreFromEnv(env), logger, objectUrl });
  },
  /** Log lines only (the platform's job state is the status). */
  log: async ({ logger }) => ({
    async update(update) {
      logger.info('job status', { status: update.status, reason: update.reason, outputs: update.outputs ? Object.keys(update.outputs) : undefined });
    },
  }),
};

/**
 * The StatusSink named by `ADNI_STATUS_SINK`; a comma-separated list (`store,fhir`) writes to each.
 *
 * @example
 * const sink = await createStatusSink({ name: 'store', outputStore, logger, env: process.env });
 */
export async function createStatusSink(input: StatusSinkFactoryInput & { name: string | undefined }): Promise<StatusSink> {
  const names = (input.name || 'store').split(',').map((n) => n.trim());
  for (const name of names) {
    if (!Object.hasOwn(statusSinkFactories, name)) {
      throw new Error(`ADNI_STATUS_SINK must be one of ${Object.keys(statusSinkFactories).join(', ')}, or several comma-separated (got "${input.name}")`);
    }
  }
  if (names.length === 1) return statusSinkFactories[names[0]](input);
  const { fanOutStatusSink } = await import('../../shared/fhir/fan-out-status-sink.js');
  return fanOutStatusSink(await Promise.all(names.map((name) => statusSinkFactories[name](input))));
}
