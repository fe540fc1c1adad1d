/** The fetch shape MedplumClient calls: `(url, { method, headers, body })`. */
export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

/** Request headers as a plain object with lower-case names, whatever form the caller used. */
export function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers ?? {}).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}
