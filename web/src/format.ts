/** Age in whole years at `on` from a FHIR birthDate (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`). */
export function ageFrom(birthDate: string | null | undefined, on = new Date()): number | undefined {
  if (!birthDate) return undefined;
  const [y, m = 1, d = 1] = birthDate.split('-').map(Number);
  if (!Number.isFinite(y)) return undefined;
  let age = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) age -= 1;
  return age;
}

/** `2024-03-01` → `1 Mar 2024` (dates are calendar days: no time zone shift). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const day = iso.slice(0, 10);
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return iso;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Months between two ISO dates (fractional, 30.44-day months), for chart x-axes. */
export function monthsBetween(from: string, to: string): number {
  return (Date.parse(to.slice(0, 10)) - Date.parse(from.slice(0, 10))) / (30.4375 * 24 * 3600 * 1000);
}

/** `YYYY-MM-DD` of today in UTC (the default session date of an upload). */
export function todayIso(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}
