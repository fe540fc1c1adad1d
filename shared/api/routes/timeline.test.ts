import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../providers/local/fs-object-store.js';
import { memoryFhirStore } from '../../../test/fhir/memory-store.js';
import { observationQuery, observationResource, patientQuery, patientResource } from '../../fhir/mapping.js';
import { outputKeyOfUrl } from '../../fhir/patient-records.js';
import { FhirStatusSink } from '../../fhir/status-sink.js';
import { createRoiFeaturesReader } from '../../model/roi-features-reader.js';
import type { PreprocessJobRequest } from '../../ports/job-submitter.js';
import { createApiApp } from '../app.js';
import { silentLogger } from '../../ports/observability.js';
import { summarize } from './timeline.js';

const FEATURES = {
  global: { icvMm3: 1_450_000, brainVolumeMm3: 1_010_000 },
  regions: [
    { name: 'Hippocampus_L', volumeMm3: 3400, suvrMean: 1.0 },
    { name: 'Hippocampus_R', volumeMm3: 3500, suvrMean: 1.2 },
    { name: 'Frontal_Sup_L', volumeMm3: 10_000, suvrMean: null },
  ],
};

describe('GET /patient-timeline', () => {
  let root: string;
  let app: ReturnType<typeof createApiApp>;
  beforeAll(async () => {
    // Prepare: a patient with two scored visits, one imaging session completed with real features in the store
    root = await mkdtemp(path.join(tmpdir(), 'adni-timeline-'));
    const store = new FsObjectStore({ root });
    const { store: fhir } = memoryFhirStore();
    const patient = await fhir.conditionalUpdate(patientResource({ patientId: 'T1', sex: 'male', educationYears: 12 }), patientQuery('T1'));
    for (const [date, measure, value] of [
      ['2024-01-10', 'mmse', 28],
      ['2024-01-10', 'cdrsb', 0.5],
      ['2024-07-01', 'mmse', 26],
    ] as const) {
      await fhir.conditionalUpdate(observationResource({ patientId: 'T1', date, measure, value }, { reference: `Patient/${patient.id}` }), observationQuery({ patientId: 'T1', date, measure }));
    }
    const key = 'preprocessed/T1/2024-07-01/roi_features.json';
    await store.put(key, JSON.stringify(FEATURES), { contentType: 'application/json' });
    const job: PreprocessJobRequest = {
      patientId: 'T1', sessionDate: '2024-07-01', fingerprint: '0123456789abcdef', jobName: 'j', inputBucket: 'local',
      mriKey: 'raw/T1/2024-07-01/mri.nii.gz', petKey: 'raw/T1/2024-07-01/pet.nii.gz', outputBucket: 'local', outputPrefix: 'preprocessed/T1/2024-07-01/',
    };
    const sink = new FhirStatusSink({ store: fhir, objectUrl: (_b, k) => pathToFileURL(path.join(root, k)).href });
    await sink.update({ job, status: 'in-progress', at: new Date('2024-07-01T10:00:00Z') });
    await sink.update({ job, status: 'completed', outputs: { roi_features: key }, at: new Date('2024-07-01T10:05:00Z') });
    app = createApiApp({ store, logger: silentLogger, fhir, roiFeatures: createRoiFeaturesReader({ store }) });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('merges visits and sessions by date, with scores, imaging status and the ROI summary', async () => {
    // Act
    const response = await app.request('/patient-timeline/T1');
    const body = (await response.json()) as any;
    // Assess
    expect(response.status).toBe(200);
    expect(body.patient).toEqual({ sex: 'male', birth_date: null, education_years: 12, apoe4: null });
    expect(body.timeline.map((e: any) => [e.date, e.scores.mmse, e.scores.cdrsb, e.imaging?.status ?? null])).toEqual([
      ['2024-01-10', 28, 0.5, null],
      ['2024-07-01', 26, null, 'completed'],
    ]);
    expect(body.timeline[1].imaging.roi).toEqual({ icv_mm3: 1_450_000, brain_volume_mm3: 1_010_000, hippocampus_mm3: 6900, entorhinal_mm3: null, mean_suvr: 1.1014 });
  });

  it('GET /preprocessing-status lists the completed session with its output URL', async () => {
    const body = (await (await app.request('/preprocessing-status/T1')).json()) as any;
    expect(body.sessions).toEqual([expect.objectContaining({ session_date: '2024-07-01', status: 'completed', error: null })]);
    expect(outputKeyOfUrl(body.sessions[0].outputs.roi_features)).toBe('preprocessed/T1/2024-07-01/roi_features.json');
  });
});

describe('summarize', () => {
  it('sums hippocampal volumes and volume-weights SUVR over regions that have one', () => {
    const summary = summarize(FEATURES);
    expect(summary.hippocampus_mm3).toBe(6900);
    expect(summary.mean_suvr).toBeCloseTo((3400 * 1.0 + 3500 * 1.2) / 6900, 4);
  });
});

describe('outputKeyOfUrl', () => {
  it.each([
    ['s3://bucket/preprocessed/P1/2024-01-01/roi_features.json', 'preprocessed/P1/2024-01-01/roi_features.json'],
    ['file:///data/store/preprocessed/P%201/2024-01-01/roi_features.json', 'preprocessed/P 1/2024-01-01/roi_features.json'],
    ['object://b/raw/P1/2024-01-01/mri.nii.gz', undefined],
    ['not a url', undefined],
  ])('%s → %s', (url, key) => {
    expect(outputKeyOfUrl(url)).toBe(key);
  });
});
