import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../providers/local/fs-object-store.js';
import { makeUploadEvent } from '../domain/upload-event.js';
import { systemClock } from '../ports/observability.js';
import { MemoryLogger, MemoryMetrics, RecordingJobSubmitter, RecordingStatusSink } from '../../test/support/recorders.js';
import { handleUpload, type UploadPorts } from './handle-upload.js';
import { DEFAULT_MAX_UPLOAD_BYTES, maxUploadBytesFromEnv, oversizeReason } from './upload-limits.js';

let root: string;
let ports: UploadPorts & { jobs: RecordingJobSubmitter; logger: MemoryLogger; metrics: MemoryMetrics; store: FsObjectStore };

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'adni-limits-'));
  const store = new FsObjectStore({ root, bucket: 'raw-bucket' });
  ports = { store, jobs: new RecordingJobSubmitter(), status: new RecordingStatusSink(), clock: systemClock, logger: new MemoryLogger(), metrics: new MemoryMetrics(), maxUploadBytes: 100 };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

async function session(mriBytes: number, petBytes: number) {
  await ports.store.put('raw/P9/2024-02-02/mri.nii.gz', new Uint8Array(mriBytes));
  await ports.store.put('raw/P9/2024-02-02/pet.nii.gz', new Uint8Array(petBytes));
  return makeUploadEvent({ id: 'e1', source: 'test', bucket: 'raw-bucket', key: 'raw/P9/2024-02-02/pet.nii.gz' });
}

describe('the upload trigger refuses objects over the size limit (the only size check a Blob SAS upload gets)', () => {
  it('an object one byte over the limit is ignored with a logged reason: no marker, no job, no status', async () => {
    // Prepare
    const event = await session(50, 101);
    // Act
    const outcome = await handleUpload(event, ports);
    // Assess
    expect(outcome).toEqual({ outcome: 'ignored', reason: 'pet upload is 101 bytes, over the limit of 100 bytes: not processed' });
    expect(ports.jobs.submitted).toEqual([]);
    expect(await ports.store.list('jobs/')).toEqual([]);
    expect(ports.metrics.counts.get('UploadsTooLarge')).toBe(1);
    const line = ports.logger.lines.find((l) => l.message === 'upload event ignored')!;
    expect(line.fields?.reason).toContain('over the limit');
    expect(ports.logger.text()).not.toContain('P9');
  });

  it('objects exactly at the limit are processed', async () => {
    const outcome = await handleUpload(await session(100, 100), ports);
    expect(outcome.outcome).toBe('submitted');
  });

  it('ADNI_MAX_UPLOAD_BYTES sets the limit (the local store server reads it too); a bad value is named', () => {
    expect(maxUploadBytesFromEnv({})).toBe(DEFAULT_MAX_UPLOAD_BYTES);
    expect(maxUploadBytesFromEnv({ ADNI_MAX_UPLOAD_BYTES: '1048576' })).toBe(1048576);
    for (const bad of ['0', '-1', '1.5', 'lots', '1e400']) expect(() => maxUploadBytesFromEnv({ ADNI_MAX_UPLOAD_BYTES: bad })).toThrow(/^ADNI_MAX_UPLOAD_BYTES must be a positive whole number of bytes/);
  });

  it('the default limit is 2 GiB', () => {
    expect(DEFAULT_MAX_UPLOAD_BYTES).toBe(2147483648);
    expect(oversizeReason('mri', DEFAULT_MAX_UPLOAD_BYTES)).toBeUndefined();
    expect(oversizeReason('mri', DEFAULT_MAX_UPLOAD_BYTES + 1)).toMatch(/^mri upload is 2147483649 bytes/);
  });
});
