import { Hono } from 'hono';
import { z } from 'zod';
import type { UploadPorts } from '../../core/handle-upload.js';
import { findBackfillSessions } from '../../core/find-backfill-sessions.js';
import { reprocessSessions } from '../../core/reprocess-sessions.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { apiError, validationError } from '../errors.js';
import { toJson } from './reprocess.js';

export const BackfillRequestSchema = z.strictObject({
  /** List the sessions that lack outputs, submit nothing. */
  dry_run: z.boolean().default(false),
});

export interface BackfillRouteDeps {
  ports: UploadPorts;
  /** Where `preprocessed/` is; default the upload store. */
  outputs?: ObjectStore;
}

/**
 * `POST /backfill` (scope `upload`): every raw session with both files but no `roi_features.json` is
 * reprocessed (one new job each, like `POST /reprocess`); `{"dry_run": true}` only lists them.
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
    const sessions = await findBackfillSessions({ store: deps.ports.store, outputs: deps.outputs });
    if (parsed.data.dry_run) {
      return c.json({ dry_run: true, sessions: sessions.map((s) => ({ patient_id: s.patientId, session_date: s.sessionDate })) });
    }
    const submitted = [];
    for (const session of sessions) {
      const [result] = await reprocessSessions({ ports: deps.ports, patientId: session.patientId, sessionDate: session.sessionDate, source: 'adni:backfill' });
      submitted.push({ patient_id: session.patientId, ...toJson(result) });
    }
    return c.json({ dry_run: false, sessions: submitted }, submitted.length ? 202 : 200);
  });
}
