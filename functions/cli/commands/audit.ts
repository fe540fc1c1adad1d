import type { Command } from 'commander';
import { z } from 'zod';
import { PatientIdSchema } from '../../../shared/domain/session-key.js';

const AuditOptionsSchema = z.object({
  patient: PatientIdSchema,
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/, '--since must be a date (YYYY-MM-DD) or an ISO date-time')
    .refine((s) => !Number.isNaN(Date.parse(s)), '--since is not a real date')
    .transform((s) => new Date(s))
    .optional(),
  dataDir: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

/**
 * `adni audit --patient P [--since DATE]`: who read, listed, uploaded or predicted for a patient on this
 * machine's stack, from the append-only log in `<data dir>/audit/`.
 *
 * @example
 * npx adni audit --patient P001 --since 2026-11-01
 */
export function register(program: Command): void {
  program
    .command('audit')
    .description("show the local audit log for one patient: who read or predicted, when, from where (no clinical values)")
    .requiredOption('--patient <id>', 'patient id')
    .option('--since <date>', 'only records at or after this date (YYYY-MM-DD or ISO date-time, UTC)')
    .option('--data-dir <dir>', 'data dir (default ADNI_DATA_DIR, then ./.adni-data)')
    .option('--json', 'one JSON record per line instead of a table')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = AuditOptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => (i.path[0] === 'patient' ? `--patient: ${i.message}` : i.message)).join('; '));
      const [{ queryAuditLog }, { formatAuditEvents }, { localDataLayout }] = await Promise.all([
        import('../../../providers/local/audit-query.js'),
        import('../../../providers/local/audit-format.js'),
        import('../../../providers/local/data-dir.js'),
      ]);
      const { dataDir } = localDataLayout({ dataDir: parsed.data.dataDir });
      const result = await queryAuditLog({ dataDir, patientId: parsed.data.patient, since: parsed.data.since });
      if (parsed.data.json) {
        for (const event of result.events) console.log(JSON.stringify(event));
      } else if (result.events.length === 0) {
        console.log(`no audit records for ${parsed.data.patient} in ${dataDir}/audit${parsed.data.since ? ` since ${parsed.data.since.toISOString()}` : ''}`);
      } else {
        console.log(formatAuditEvents(result.events));
      }
      for (const bad of result.badLines) console.error(`warning: ${bad.file} line ${bad.line} is not an audit record (skipped)`);
    });
}
