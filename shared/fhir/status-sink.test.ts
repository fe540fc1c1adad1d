import type { ImagingStudy, Patient, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { PreprocessJobRequest } from '../ports/job-submitter.js';
import type { JobStatusUpdate, PreprocessingStatus } from '../ports/status-sink.js';
import { memoryFhirStore } from '../../test/fhir/memory-store.js';
import { EXTENSIONS } from './codes.js';
import { imagingStudyQuery, patientQuery, taskQuery } from './mapping.js';
import { FhirStatusSink, mayApply } from './status-sink.js';

const JOB: PreprocessJobRequest = {
  patientId: 'P001',
  sessionDate: '2024-03-01',
  jobName: 'adni-P001-2024-03-01-0123456789abcdef',
  fingerprint: '0123456789abcdef',
  inputBucket: 'raw',
  mriKey: 'raw/P001/2024-03-01/mri.nii.gz',
  petKey: 'raw/P001/2024-03-01/pet.nii.gz',
  outputBucket: 'out',
  outputPrefix: 'preprocessed/P001/2024-03-01/',
};
const T0 = Date.parse('2024-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const OUTPUTS = { roi_features: 'preprocessed/P001/2024-03-01/roi_features.json', mri_brain: 'preprocessed/P001/2024-03-01/mri_brain.nii.gz' };

function update(status: PreprocessingStatus, minutes: number, extra: Partial<JobStatusUpdate> = {}): JobStatusUpdate {
  return { job: structuredClone(JOB), jobId: 'job-1', status, at: at(minutes), ...extra };
}

async function state(store: ReturnType<typeof memoryFhirStore>['store']) {
  const [task] = await store.search<Task>('Task', taskQuery(JOB));
  const studies = await store.search<ImagingStudy>('ImagingStudy', imagingStudyQuery(JOB));
  const patients = await store.search<Patient>('Patient', patientQuery(JOB.patientId));
  return { task, study: studies[0], studies, patients };
}

describe('FhirStatusSink', () => {
  it('records requested → in-progress → completed with outputs on the Task and the ImagingStudy', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const sink = new FhirStatusSink({ store, objectUrl: (b, k) => `s3://${b}/${k}` });
    // Act
    await sink.update(update('requested', 0));
    await sink.update(update('in-progress', 1));
    await sink.update(update('completed', 5, { outputs: OUTPUTS }));
    // Assess
    const { task, study, patients } = await state(store);
    expect(patients).toHaveLength(1);
    expect(task.status).toBe('completed');
    expect(task.focus?.reference).toBe(`ImagingStudy/${study.id}`);
    expect(task.for?.reference).toBe(`Patient/${patients[0].id}`);
    expect(task.authoredOn).toBe(at(0).toISOString());
    expect(task.executionPeriod).toEqual({ start: at(1).toISOString(), end: at(5).toISOString() });
    expect(task.output?.map((o) => o.valueUrl)).toEqual([`s3://out/${OUTPUTS.mri_brain}`, `s3://out/${OUTPUTS.roi_features}`]);
    expect(study.status).toBe('available');
    expect(study.started).toBe('2024-03-01');
    expect(study.subject?.reference).toBe(`Patient/${patients[0].id}`);
    expect(study.extension).toEqual([
      { url: EXTENSIONS.preprocessingStatus, valueCode: 'completed' },
      { url: EXTENSIONS.preprocessedFeaturesUrl, valueUrl: `s3://out/${OUTPUTS.roi_features}` },
    ]);
  });

  it('records a failure with its reason in statusReason and businessStatus', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const sink = new FhirStatusSink({ store });
    // Act
    await sink.update(update('requested', 0));
    await sink.update(update('failed', 2, { reason: 'bad input: mri.nii.gz is not a gzip file' }));
    // Assess
    const { task, study } = await state(store);
    expect(task.status).toBe('failed');
    expect(task.statusReason?.text).toBe('bad input: mri.nii.gz is not a gzip file');
    expect(task.businessStatus?.text).toContain('bad input');
    expect(study.extension?.[0]).toEqual({ url: EXTENSIONS.preprocessingStatus, valueCode: 'failed' });
  });

  it('is idempotent: the same updates twice leave one Task, one ImagingStudy, one Patient and no new versions', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const sink = new FhirStatusSink({ store });
    const updates = [update('requested', 0), update('in-progress', 1)];
    for (const u of updates) await sink.update(u);
    const before = await state(store);
    // Act
    for (const u of updates) await sink.update(structuredClone(u));
    // Assess
    const after = await state(store);
    expect(after.studies).toHaveLength(1);
    expect(after.patients).toHaveLength(1);
    expect((await store.search('Task', 'code=preprocess-session'))).toHaveLength(1);
    expect(after.task.meta?.versionId).toBe(before.task.meta?.versionId);
    expect(after.study.meta?.versionId).toBe(before.study.meta?.versionId);
  });

  it('never moves a completed Task back, whatever arrives late', async () => {
    // Prepare
    const { store } = memoryFhirStore();
    const sink = new FhirStatusSink({ store });
    await sink.update(update('completed', 5, { outputs: OUTPUTS }));
    // Act
    await sink.update(update('in-progress', 1));
    await sink.update(update('requested', 0));
    await sink.update(update('failed', 9, { reason: 'late monitor report' }));
    // Assess
    const { task, study } = await state(store);
    expect(task.status).toBe('completed');
    expect(study.extension?.[0]?.valueCode).toBe('completed');
  });

  it.each([
    ['nothing yet', undefined, 'requested', 0, true],
    ['in-progress, then a late requested', 'in-progress', 'requested', 0, false],
    ['requested, then completed', 'requested', 'completed', 5, true],
    ['completed, then completed again', 'completed', 'completed', 5, false],
    ['failed, then a later retry in-progress', 'failed', 'in-progress', 6, true],
    ['failed, then an older in-progress', 'failed', 'in-progress', 1, false],
    ['in-progress, then an older in-progress', 'in-progress', 'in-progress', 1, false],
  ] as const)('mayApply: %s', (_name, current, status, minutes, expected) => {
    // Prepare
    const task = current ? { status: current as PreprocessingStatus, lastModified: at(3).toISOString() } : undefined;
    // Act / Assess
    expect(mayApply(task, { status, at: at(minutes) })).toBe(expected);
  });
});
