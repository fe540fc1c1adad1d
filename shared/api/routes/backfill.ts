import { Hono } from 'hono';
import { z } from 'zod';
import type { UploadPorts } from '../../core/handle-upload.js';
import { DEFAULT_IN_FLIGHT_MINUTES, findBackfillSessions, partitionInFlight, type InFlightSession } from '../../core/find-backfill-sessions.js';
import { backfillSessions, type BackfillSessionResult } from '../../core/backfill-sessions.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { apiError, validationError } from '../errors.js';
import { toJson } from './reprocess.js';

export const BackfillRequestSchema = z.strictObject({
  /** List the sessions that lack outputs, submit nothing. */
  dry_run: z.boolean().default(false),
  /**
   * Leave out sessions whose newest job was submitted less than this many minutes ago (queued or running: without
   * this a backfill submits them again); 0 submits them too. At most a week.
   */
  in_flight_minutes: z.number().int().min(0).max(10_080).default(DEFAULT_IN_FLIGHT_MINUTES),
});

export interface BackfillRouteDeps {
  ports: UploadPorts;
  /** Where `preprocessed/` is; default the upload store. */
  outputs?: ObjectStore;
}

/**
 * `POST /backfill` (scope `upload`): every raw session with both files but no `roi_features.json` is
 * reprocessed (one new job each, like `POST /reprocess`; on AWS Batch as array jobs, see `backfillSessions`);
 * `{"dry_run": true}` only lists them. A session whose submission failed is listed `failed` with its reason; one
 * whose newest job is younger than `in_flight_minutes` (default 120) is left out and listed under `in_flight`.
 *
 * @example
 * curl -X POST $API/backfill -H 'content-type: application/json' -d '{"dry_run":true}'
 */
export function backfillRoutes(deps: BackfillRouteDeps) {
  return new Hono().post('/backfill', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return apiError(c, 400, 'invalid_json', 'request body must be JSON');
    const parsed = BackfillRequestSchema.safeParse(body);
    if (!parsed.success) return validationError(c, parsed.error);
    const lacking = await findBackfillSessions({ store: deps.ports.store, outputs: deps.outputs });
    const { due: sessions, inFlight } = await partitionInFlight({
      store: deps.ports.store,
      sessions: lacking,
      now: deps.ports.clock.now(),
      windowMinutes: parsed.data.in_flight_minutes,
    });
    const in_flight = inFlight.map(inFlightJson);
    if (parsed.data.dry_run) {
      return c.json({ dry_run: true, sessions: sessions.map((s) => ({ patient_id: s.patientId, session_date: s.sessionDate })), in_flight });
    }
    // AWS Batch: one array job per 10 000 sessions; elsewhere one job per session (see backfillSessions).
    const results = await backfillSessions({ ports: deps.ports, sessions, source: 'adni:backfill' });
    const submitted = results.map(backfillJson);
    return c.json({ dry_run: false, sessions: submitted, in_flight }, submitted.some((s) => s.outcome === 'submitted') ? 202 : 200);
  });
}

function inFlightJson(s: InFlightSession) {
  return { patient_id: s.patientId, session_date: s.sessionDate, since: s.since.toISOString() };
}

/** One backfill result as the API spells it: the reprocess shape, or `failed` with the reason. */
function backfillJson(result: BackfillSessionResult) {
  const o = result.outcome;
  if (o.outcome === 'failed') return { patient_id: result.patientId, session_date: result.sessionDate, outcome: o.outcome, reason: o.reason };
  return { patient_id: result.patientId, ...toJson({ sessionDate: result.sessionDate, outcome: o }) };
}
