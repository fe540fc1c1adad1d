import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../providers/local/local-stack.js';
import type { StatusRecord } from '../../providers/local/store-status-sink.js';
import { MemoryLogger } from '../support/recorders.js';

/** The local stack on a free loopback port over a fresh temp data dir, with fast watcher timings. */
export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack & { logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const stack = await startLocalStack({
    dataDir: await mkdtemp(path.join(tmpdir(), 'adni-stack-')),
    port: 0,
    host: '127.0.0.1',
    logger,
    concurrency: 2,
    watcherTimings: { debounceMs: 50, stableMs: 150 },
    // FHIR costs a database start per stack; the FHIR tests (test/fhir/local-stack-fhir.test.ts) turn it on.
    fhir: false,
    // These tests drive the stack's plumbing with tiny fixtures no registration could use: jobs validate
    // and copy (ADNI_PIPELINE=validate-only); the pipeline itself is tested in test/pipeline.
    jobEnv: { ADNI_PIPELINE: 'validate-only' },
    ...options,
  });
  return Object.assign(stack, { logger });
}

/** Asks `POST /uploads` for presigned URLs and PUTs each body; returns the PUT responses by modality. */
export async function uploadSession(
  stack: { url: string },
  session: { patient: string; date: string },
  bodies: { mri?: Uint8Array | string; pet?: Uint8Array | string },
): Promise<Record<string, Response>> {
  const modalities = (['mri', 'pet'] as const).filter((m) => bodies[m] !== undefined);
  const created = await fetch(`${stack.url}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ patient_id: session.patient, session_date: session.date, modalities }),
  });
  if (created.status !== 201) throw new Error(`POST /uploads answered ${created.status}: ${await created.text()}`);
  const { uploads } = (await created.json()) as { uploads: Record<string, { url: string; headers: Record<string, string> }> };
  const responses: Record<string, Response> = {};
  for (const modality of modalities) {
    const { url, headers } = uploads[modality];
    responses[modality] = await fetch(url, { method: 'PUT', headers, body: bodies[modality] as RequestInit['body'] });
  }
  return responses;
}

/** Every status record of a session, oldest first. */
export async function sessionStatuses(stack: LocalStack, patient: string, date: string): Promise<StatusRecord[]> {
  const heads = await stack.store.list(`status/${patient}/${date}/`);
  const records = await Promise.all(heads.map(async (h) => JSON.parse(new TextDecoder().decode(await stack.store.get(h.key))) as StatusRecord));
  return records.sort((a, b) => a.updated_at.localeCompare(b.updated_at));
}
