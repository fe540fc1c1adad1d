import type { StatusRecord } from '../../providers/local/store-status-sink.js';
import { apiCredentialHeaders } from '../../shared/auth/client-credentials.js';

export interface WaitOptions {
  /** Fetches the status record, or undefined while there is none. */
  read: () => Promise<(StatusRecord & { output_paths?: Record<string, string> }) | undefined>;
  timeoutMs: number;
  intervalMs?: number;
  onStatus?: (status: string) => void;
}

/**
 * Polls a session version's status until it is completed or failed.
 *
 * @example
 * const record = await waitForStatus({ read: () => statusFromApi(api, 'P1', '2024-01-01', fp), timeoutMs: 600_000 });
 */
export async function waitForStatus(options: WaitOptions): Promise<StatusRecord & { output_paths?: Record<string, string> }> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const record = await options.read();
    if (record && record.status !== last) {
      last = record.status;
      options.onStatus?.(record.status);
    }
    if (record && (record.status === 'completed' || record.status === 'failed')) return record;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${Math.round(options.timeoutMs / 1000)} s (last status: ${last ?? 'none yet'})`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

/** A reader over the local stack's `GET /local-status/{patient}/{session}/{fingerprint}`. */
export function localStatusReader(api: string, patient: string, session: string, fingerprint: string): WaitOptions['read'] {
  const url = `${api.replace(/\/+$/, '')}/local-status/${encodeURIComponent(patient)}/${session}/${fingerprint}`;
  return async () => {
    // Each poll is bounded: a stalled API surfaces as an error instead of holding --wait past its deadline.
    const response = await fetch(url, { headers: apiCredentialHeaders(), signal: AbortSignal.timeout(30_000) }).catch((error: Error) => {
      throw error.name === 'TimeoutError' ? new Error(`GET ${url} did not answer within 30 s`) : error;
    });
    if (response.status === 404) {
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      if (body.error?.message?.startsWith('no route')) {
        throw new Error('--wait needs the local stack (`npm start`) or --store; this API has no /local-status route');
      }
      return undefined;
    }
    if (!response.ok) throw new Error(`status request failed (HTTP ${response.status})`);
    return (await response.json()) as StatusRecord & { output_paths?: Record<string, string> };
  };
}
