import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { handleUpload } from '../../shared/core/handle-upload.js';
import { makeUploadEvent } from '../../shared/domain/upload-event.js';
import { systemClock } from '../../shared/ports/observability.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { sessionStatuses, startTestStack } from '../local/stack-helpers.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter } from '../support/recorders.js';

/**
 * The whole local stack killed mid-job (SIGKILL, power loss): its data dir keeps job markers and status objects
 * that say `in-progress`, and no process will ever finish them. The next start records each `failed` with the
 * reason and runs an upload's session again (same fingerprint), so nothing stays "in progress" forever.
 */
describe('local stack restarted after it was killed mid-job', () => {
  let dataDir: string;
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('open jobs of the killed run end failed with a reason; the upload runs again and completes, the reprocess waits for the user', async () => {
    // Prepare: what a killed stack leaves: raw files, the job marker, a status object at in-progress
    dataDir = await mkdtemp(path.join(tmpdir(), 'adni-crash-'));
    const store = new FsObjectStore({ root: path.join(dataDir, 'store') });
    const status = new StoreStatusSink(store);
    const ports = { store, jobs: new RecordingJobSubmitter(), status, clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics() };
    const leaveRunning = async (patient: string, reprocess: boolean) => {
      for (const [i, modality] of ['mri', 'pet'].entries()) await store.put(`raw/${patient}/2024-03-01/${modality}.nii.gz`, tinyNiftiGz({ seed: i + 1 }));
      const head = (await store.head(`raw/${patient}/2024-03-01/pet.nii.gz`))!;
      const event = makeUploadEvent({ id: `e-${patient}`, source: 'local:fs', bucket: store.bucket, key: head.key, size: head.size, etag: head.etag, versionId: head.version });
      // A reprocess runs on a session whose upload job completed.
      if (reprocess) {
        await handleUpload(event, ports);
        await status.update({ job: ports.jobs.submitted.at(-1)!, jobId: 'old-0', status: 'completed', at: new Date(Date.now() - 2000) });
      }
      const outcome = await handleUpload({ ...event, id: `r-${patient}` }, ports, { reprocess });
      if (outcome.outcome !== 'submitted') throw new Error('setup: no job');
      const job = ports.jobs.submitted.at(-1)!;
      await status.update({ job, jobId: outcome.jobId, status: 'in-progress', at: new Date(Date.now() - 1000) });
      return job.fingerprint;
    };
    const uploadFp = await leaveRunning('CRASH01', false);
    const reprocessFp = await leaveRunning('CRASH02', true);
    // Act: start again on that data dir (no watcher: the rerun must not depend on the startup scan)
    stack = await startTestStack({ dataDir, watch: false });
    await stack.idle();
    // Assess
    const upload = await sessionStatuses(stack, 'CRASH01', '2024-03-01');
    expect(upload).toHaveLength(1);
    expect(upload[0].fingerprint).toBe(uploadFp);
    expect(upload[0].history.map((h) => h.status)).toEqual(['requested', 'in-progress', 'failed', 'in-progress', 'completed']);
    expect(upload[0].history[2].reason).toMatch(/^interrupted: the local stack stopped without shutting down .* it runs again now$/);
    expect(await stack.store.list('jobs/CRASH01/')).toHaveLength(1);
    expect(await stack.store.head('preprocessed/CRASH01/2024-03-01/roi_features.json')).toBeDefined();
    const reprocess = (await sessionStatuses(stack, 'CRASH02', '2024-03-01')).find((r) => r.fingerprint === reprocessFp)!;
    expect(reprocess.status).toBe('failed');
    expect(reprocess.reason).toMatch(/run `adni reprocess` to run it again$/);
    expect(await stack.store.list('jobs/CRASH02/')).toHaveLength(2);
  }, 60_000);
});
