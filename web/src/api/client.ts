import type { z } from 'zod';
import {
  ApiErrorBodySchema,
  OutputListSchema,
  PatientListSchema,
  PredictionSchema,
  PreprocessingStatusSchema,
  RoiFeaturesSchema,
  TimelineSchema,
  UploadGrantSchema,
  type PresignedPut,
} from './schemas';
import { authHeaders, readToken, UNAUTHORIZED_EVENT } from './token';

/** A failed API call, with what the server said (or why its answer could not be read). */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server was not reached. */
    readonly status: number,
    /** The route's error code (`patient_not_found`, `not_implemented`...) or `bad_response`/`network`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /** API origin; '' = same origin as the page (the local stack, CloudFront in front of the API). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** The bearer token to send (default: the one saved for this tab); none = an open (loopback) server. */
  token?: () => string | undefined;
}

/**
 * The dashboard's view of the HTTP API. Every answer is validated; errors carry the route's `{error}` message.
 *
 * @example
 * const api = createApiClient();
 * const { patients } = await api.listPatients({ search: 'P00' });
 */
export function createApiClient(options: ClientOptions = {}) {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const token = options.token ?? readToken;

  async function call<S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<z.infer<S>> {
    const label = `${method} ${path.split('?')[0]}`;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...authHeaders(token()),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(`${label}: the server could not be reached`, 0, 'network');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      if (response.status === 401 && typeof window !== 'undefined') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
      const parsed = ApiErrorBodySchema.safeParse(json);
      if (parsed.success) throw new ApiError(parsed.data.error.message, response.status, parsed.data.error.code);
      throw new ApiError(`${label} failed with HTTP ${response.status}`, response.status, 'http_error');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ApiError(`${label} answered in an unexpected shape (${where}${issue?.message ?? 'invalid'})`, response.status, 'bad_response');
    }
    return parsed.data;
  }

  const id = encodeURIComponent;
  return {
    listPatients: (q: { search?: string; signal?: AbortSignal } = {}) =>
      call(PatientListSchema, 'GET', `/patients${q.search ? `?search=${id(q.search)}` : ''}`, undefined, q.signal),
    getTimeline: (patientId: string, signal?: AbortSignal) => call(TimelineSchema, 'GET', `/patient-timeline/${id(patientId)}`, undefined, signal),
    getStatus: (patientId: string, signal?: AbortSignal) => call(PreprocessingStatusSchema, 'GET', `/preprocessing-status/${id(patientId)}`, undefined, signal),
    predict: (patientId: string) => call(PredictionSchema, 'POST', '/predict-progression', { patient_id: patientId }),
    listOutputs: (patientId: string, sessionDate: string, signal?: AbortSignal) =>
      call(OutputListSchema, 'GET', `/outputs/${id(patientId)}/${id(sessionDate)}`, undefined, signal),
    /** `sizes` (bytes) are signed into the URLs where storage can (S3 exact length, GCS range); over the limit → 413. */
    requestUpload: (patientId: string, sessionDate: string, modalities: ('mri' | 'pet')[], sizes?: Partial<Record<'mri' | 'pet', number>>) =>
      call(UploadGrantSchema, 'POST', '/uploads', { patient_id: patientId, session_date: sessionDate, modalities, ...(sizes ? { sizes } : {}) }),
    /** Link to one output file through the API (QC pages keep their relative image links working). */
    outputHref: (patientId: string, sessionDate: string, file: string) => `${base}/outputs/${id(patientId)}/${id(sessionDate)}/files/${file.split('/').map(id).join('/')}`,
    /** Headers for requests made outside this client (NiiVue's image loads). */
    authHeaders: () => authHeaders(token()),
    roiFeatures: (url: string, signal?: AbortSignal) => call(RoiFeaturesSchema, 'GET', url, undefined, signal),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/**
 * PUTs a file to a presigned URL with upload progress (fetch has none, so XMLHttpRequest).
 *
 * @example
 * await putWithProgress(grant.uploads.mri!, file, (sent, total) => setPercent((100 * sent) / total));
 */
export function putWithProgress(target: PresignedPut, file: Blob, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', target.url);
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      const parsed = ApiErrorBodySchema.safeParse(safeJson(xhr.responseText));
      reject(new ApiError(parsed.success ? parsed.data.error.message : `upload failed with HTTP ${xhr.status}`, xhr.status, parsed.success ? parsed.data.error.code : 'http_error'));
    };
    xhr.onerror = () => reject(new ApiError('upload failed: storage could not be reached', 0, 'network'));
    xhr.onabort = () => reject(new ApiError('upload cancelled', 0, 'aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
