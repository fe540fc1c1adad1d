import * as functions from '@google-cloud/functions-framework';
import type { UploadPorts } from '../../shared/core/handle-upload.js';
import type { ApiDeps } from '../../shared/api/app.js';
import { createGcpHttpHandler } from './http-api.js';
import { createGcpReconcileHandler, type ReconcileDeps } from './job-reconciler.js';
import { createGcpUploadHandler } from './upload-trigger.js';

export interface GcpFunctionNames {
  upload: string;
  api: string;
  /** The job reconciler Cloud Scheduler calls; not registered when absent. */
  reconcile?: string;
}

/**
 * Registers the Cloud Run functions with the Functions Framework: a `cloudEvent` function for GCS finalize
 * events (Eventarc), an `http` function for the API and, when named, the `http` job reconciler Cloud Scheduler
 * calls. Separate from `index.ts` so tests register them over loopback dependencies under their own names.
 *
 * @example
 * registerGcpFunctions({ upload: 'onUpload', api: 'api', reconcile: 'reconcileJobs' }, () => uploadDeps, () => apiDeps, () => reconcileDeps);
 */
export function registerGcpFunctions(
  names: GcpFunctionNames,
  uploadDeps: () => UploadPorts | Promise<UploadPorts>,
  apiDeps: () => ApiDeps | Promise<ApiDeps>,
  reconcileDeps?: () => ReconcileDeps | undefined | Promise<ReconcileDeps | undefined>,
): void {
  const onUpload = createGcpUploadHandler(uploadDeps);
  // The framework awaits the promise; its value is for tests, the platform needs none.
  functions.cloudEvent(names.upload, async (event: functions.CloudEvent<unknown>) => void (await onUpload(event)));
  functions.http(names.api, createGcpHttpHandler(apiDeps));
  if (names.reconcile && reconcileDeps) functions.http(names.reconcile, createGcpReconcileHandler(reconcileDeps));
}
