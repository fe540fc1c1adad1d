import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { LocalJobPool } from '../../providers/local/job-pool.js';
import { StoreStatusSink } from '../../providers/local/store-status-sink.js';
import { handleUpload } from '../../shared/core/handle-upload.js';
import { makeUploadEvent } from '../../shared/domain/upload-event.js';
import { systemClock } from '../../shared/ports/observability.js';
import { MemoryLogger, MemoryMetrics } from '../support/recorders.js';
import { shuffle } from '../support/shuffle.js';


/**
 * An upload storm on the local stack's upload path: the folder store (job markers by `link(2)`), the core
 * handler and the real worker pool (each job a `true` process, so only submissions and starts are counted).
 * 500 events for 100 sessions, shuffled, duplicated, each with its own event id (as the PUT route and the
 * watcher raise them), 24 in flight at once.
 */
describe('upload storm on the local stack', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'adni-storm-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('500 events for 100 sessions start exactly 100 jobs, one per session', async () => {
    // Prepare: 100 sessions; half upload the PET first. Jobs are `true` processes in the real pool.
    const store = new FsObjectStore({ root });
    const logger = new MemoryLogger();
    const metrics = new MemoryMetrics();
    const status = new StoreStatusSink(store);
    const jobs = new LocalJobPool({ dataDir: root, status, logger, concurrency: 4, command: { file: 'true', args: [] } });
    const ports = { store, jobs, status, clock: systemClock, logger, metrics };
    const sessions = Array.from({ length: 100 }, (_, i) => {
      const base = `raw/STORM${String(i).padStart(3, '0')}/2024-${String((i % 12) + 1).padStart(2, '0')}-15`;
      const [first, second] = i % 2 === 0 ? ['pet', 'mri'] : ['mri', 'pet'];
      return { first: `${base}/${first}.nii.gz`, second: `${base}/${second}.nii.gz` };
    });
    const deliver = async (keys: string[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (next < keys.length) {
            const key = keys[next++];
            const head = (await store.head(key))!;
            await handleUpload(makeUploadEvent({ id: randomUUID(), source: 'local:fs', bucket: store.bucket, key, size: head.size, etag: head.etag, versionId: head.version, time: head.lastModified }), ports);
          }
        }),
      );
    };
    // Act, phase 1: the first modality of every session lands; 2 events each (PUT route + watcher), shuffled.
    await Promise.all(sessions.map((s) => store.put(s.first, `${s.first} v1`)));
    const phase1 = shuffle(sessions.flatMap((s) => [s.first, s.first]), 1);
    await deliver(phase1);
    const afterPhase1 = metrics.counts.get('JobsSubmitted') ?? 0;
    // Phase 2: the second modality lands; its 2 events are mixed with a late duplicate of the first (300).
    await Promise.all(sessions.map((s) => store.put(s.second, `${s.second} v1`)));
    const phase2 = shuffle(sessions.flatMap((s) => [s.second, s.first, s.second]), 2);
    await deliver(phase2);
    await jobs.idle();
    await jobs.close();

    // Assess
    expect(phase1.length + phase2.length).toBe(500);
    expect(afterPhase1).toBe(0);
    expect(metrics.counts.get('JobsSubmitted')).toBe(100);
    expect(metrics.counts.get('DuplicateEvents')).toBe(200);
    expect(metrics.counts.get('SessionsWaiting')).toBe(200);
    const started = logger.lines.filter((l) => l.message === 'job started');
    expect(started).toHaveLength(100);
    expect(logger.lines.filter((l) => l.message === 'job finished')).toHaveLength(100);
    const markers = await store.list('jobs/');
    expect(markers).toHaveLength(100);
    expect(new Set(markers.map((m) => m.key.split('/').slice(1, 3).join('/'))).size).toBe(100);
    expect(await store.list('status/')).toHaveLength(100);
  }, 60_000);
});
