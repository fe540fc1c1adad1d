import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema } from '../../shared/domain/session-key.js';

const ApiUrl = z.url({ protocol: /^https?$/, error: '--api must be an http(s) URL' }).default('http://127.0.0.1:8080');
const Timeout = z.coerce.number().positive('--timeout must be a positive number of seconds').default(60);

/** The options of `adni reprocess`, checked before anything is sent. */
export const ReprocessOptionsSchema = z.object({
  patient: PatientIdSchema,
  session: SessionDateSchema.optional(),
  api: ApiUrl,
  timeout: Timeout,
});
export type ReprocessOptions = z.infer<typeof ReprocessOptionsSchema>;

/** The options of `adni backfill`. */
export const BackfillOptionsSchema = z.object({
  dryRun: z.boolean().default(false),
  /** Leave out sessions with a job submitted less than this many minutes ago (the API's default when absent). */
  inFlightMinutes: z.coerce
    .number({ error: '--in-flight-minutes must be a whole number of minutes, 0 to 10080' })
    .int('--in-flight-minutes must be a whole number of minutes, 0 to 10080')
    .min(0, '--in-flight-minutes must be a whole number of minutes, 0 to 10080')
    .max(10_080, '--in-flight-minutes must be a whole number of minutes, 0 to 10080')
    .optional(),
  api: ApiUrl,
  timeout: Timeout,
});
export type BackfillOptions = z.infer<typeof BackfillOptionsSchema>;

/** Zod issues as one line of `--flag: reason` parts. */
export function optionsError(error: z.ZodError): Error {
  const flag = (p: PropertyKey) => `--${String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new Error(error.issues.map((i) => (i.path.length && !i.message.startsWith('--') ? `${flag(i.path[0])}: ${i.message}` : i.message)).join('; '));
}
