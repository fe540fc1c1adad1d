import { apiErrorMessage, postJson } from './post-json.js';
import type { BackfillOptions, ReprocessOptions } from './reprocess-options.js';

export interface CommandOutput {
  log: (line: string) => void;
  /** Where ADNI_API_KEY / ADNI_ACCESS_TOKEN are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

interface SessionLine {
  patient_id?: string;
  session_date: string;
  outcome?: 'submitted' | 'waiting' | 'failed';
  /** Backfill: why a `failed` session was not submitted. */
  reason?: string;
  fingerprint?: string;
  job_id?: string;
  missing?: string;
}

/**
 * `adni reprocess`: asks the API (`POST /reprocess`) to preprocess a patient's session(s) again and prints
 * one line per session. Resolves with the exit code: 0 when every session was submitted, 1 otherwise.
 *
 * @example
 * process.exitCode = await runReprocess({ patient: 'P001', session: '2024-03-01', api, timeout: 60 }, { log: console.log });
 */
export async function runReprocess(options: ReprocessOptions, output: CommandOutput): Promise<number> {
  const { status, body } = await postJson({
    api: options.api,
    path: '/reprocess',
    body: { patient_id: options.patient, ...(options.session ? { session_date: options.session } : {}) },
    timeoutMs: options.timeout * 1000,
    env: output.env,
  });
  if (status !== 200 && status !== 202) throw new Error(`POST /reprocess failed (HTTP ${status}): ${apiErrorMessage(body)}`);
  const sessions = (body.sessions ?? []) as SessionLine[];
  for (const s of sessions) output.log(describe(options.patient, s));
  const submitted = sessions.filter((s) => s.outcome === 'submitted').length;
  output.log(`${submitted} of ${sessions.length} session(s) submitted for preprocessing`);
  return submitted === sessions.length ? 0 : 1;
}

/**
 * `adni backfill`: asks the API (`POST /backfill`) to reprocess every session with both raw files but no
 * completed outputs; `--dry-run` only lists them. Prints one line per session and a summary; exit code 0.
 *
 * @example
 * process.exitCode = await runBackfill({ dryRun: true, api, timeout: 60 }, { log: console.log });
 */
export async function runBackfill(options: BackfillOptions, output: CommandOutput): Promise<number> {
  const { status, body } = await postJson({
    api: options.api,
    path: '/backfill',
    body: { dry_run: options.dryRun, ...(options.inFlightMinutes === undefined ? {} : { in_flight_minutes: options.inFlightMinutes }) },
    timeoutMs: options.timeout * 1000,
    env: output.env,
  });
  if (status !== 200 && status !== 202) throw new Error(`POST /backfill failed (HTTP ${status}): ${apiErrorMessage(body)}`);
  const sessions = (body.sessions ?? []) as SessionLine[];
  for (const s of sessions) output.log(options.dryRun ? `${s.patient_id} ${s.session_date}: lacks outputs` : describe(s.patient_id ?? '?', s));
  const inFlight = (body.in_flight ?? []) as { patient_id: string; session_date: string; since: string }[];
  for (const s of inFlight) output.log(`${s.patient_id} ${s.session_date}: lacks outputs, left out: a job was submitted at ${s.since} (still in flight?)`);
  const submitted = sessions.filter((s) => s.outcome === 'submitted').length;
  if (inFlight.length) output.log(`${inFlight.length} session(s) left out as in flight (--in-flight-minutes 0 submits them too)`);
  output.log(
    options.dryRun
      ? `${sessions.length} session(s) lack outputs (dry run: nothing submitted)`
      : `${submitted} of ${sessions.length} session(s) lacking outputs submitted for preprocessing`,
  );
  return submitted === sessions.length || options.dryRun ? 0 : 1;
}

function describe(patient: string, s: SessionLine): string {
  if (s.outcome === 'failed') return `${patient} ${s.session_date}: not submitted, ${s.reason ?? 'submission failed'}`;
  return s.outcome === 'submitted'
    ? `${patient} ${s.session_date}: submitted job ${s.job_id} (fingerprint ${s.fingerprint})`
    : `${patient} ${s.session_date}: not submitted, ${s.missing ?? 'a'} file missing`;
}
