import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AuditEventSchema, type AuditEvent } from '../../shared/audit/audit-event.js';

export interface AuditQuery {
  dataDir: string;
  /** Only records about this patient. */
  patientId?: string;
  /** Only records at or after this instant (ISO date or date-time). */
  since?: Date;
}

export interface AuditQueryResult {
  events: AuditEvent[];
  /** Lines that were not valid audit records (reported, never silently dropped). */
  badLines: { file: string; line: number }[];
  filesRead: number;
}

/**
 * Reads the local audit log, oldest first: only the day files on or after `since` are opened, line by line.
 *
 * @example
 * const { events } = await queryAuditLog({ dataDir, patientId: 'P001', since: new Date('2026-11-01') });
 */
export async function queryAuditLog(query: AuditQuery): Promise<AuditQueryResult> {
  const dir = path.join(query.dataDir, 'audit');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], badLines: [], filesRead: 0 };
    throw error;
  }
  const sinceDay = query.since?.toISOString().slice(0, 10);
  const days = names.filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n) && (!sinceDay || n.slice(0, 10) >= sinceDay)).sort();
  const result: AuditQueryResult = { events: [], badLines: [], filesRead: days.length };
  for (const name of days) {
    const lines = createInterface({ input: createReadStream(path.join(dir, name)), crlfDelay: Infinity });
    let number = 0;
    for await (const text of lines) {
      number += 1;
      if (text.trim() === '') continue;
      const parsed = AuditEventSchema.safeParse(safeJson(text));
      if (!parsed.success) {
        result.badLines.push({ file: name, line: number });
        continue;
      }
      const event = parsed.data;
      if (query.since && new Date(event.time) < query.since) continue;
      if (query.patientId && !event.patient_ids.includes(query.patientId)) continue;
      result.events.push(event);
    }
  }
  return result;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
