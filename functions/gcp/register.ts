import * as functions from '@google-cloud/functions-framework';
import type { UploadPorts } from '../../shared/core/handle-upload.js';
import type { ApiDeps } from '../../shared/api/app.js';
import { createGcpHttpHandler } from './http-api.js';
import { createGcpUploadHandler } from './upload-trigger.js';

export interface GcpFunctionNames {
  upload: string;
  api: string;
}

/**
 * Registers the two Cloud Run functions with the Functions Framework: a `cloudEvent` function for GCS
 * finalize events (Eventarc) and an `http` function for the API. Separate from `index.ts` so tests register
 * them over loopback dependencies under their own names.
 *
 * @example
 * registerGcpFunctions({ upload: 'onUpload', api: 'api' }, () => uploadDeps, () => apiDeps);
 */
export function registerGcpFunctions(
  names: GcpFunctionNames,
  uploadDeps: () => UploadPorts | Promise<UploadPorts>,
  apiDeps: () => ApiDeps | Promise<ApiDeps>,
): void {
  const onUpload = createGcpUploadHandler(uploadDeps);
  // The framework awaits the promise; its value is for tests, the platform needs none.
  functions.cloudEvent(names.upload, async (event: functions.CloudEvent<unknown>) => void (await onUpload(event)));
  functions.http(names.api, createGcpHttpHandler(apiDeps));
}
