import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImagingStudy, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedFhir, type EmbeddedFhir } from '../../providers/local/fhir/index.js';
import { imagingStudyQuery, studyFacts, taskQuery } from '../../shared/fhir/mapping.js';
import { RouterFhirStore } from '../../shared/fhir/router-store.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';
import type { PreprocessJobRequest } from '../../shared/ports/job-submitter.js';

const job = (patientId: string): PreprocessJobRequest => ({
  patientId,
  sessionDate: '2024-03-01',
  jobName: `adni-${patientId}`,
  fingerprint: '0123456789abcdef',
  inputBucket: 'raw',
  mriKey: `raw/${patientId}/2024-03-01/mri.nii.gz`,
  petKey: `raw/${patientId}/2024-03-01/pet.nii.gz`,
  outputBucket: 'out',
  outputPrefix: `preprocessed/${patientId}/2024-03-01/`,
});

/**
 * Two writers of one job's status at the same moment (the stack's `requested` and the job's `in-progress`, as in
 * the local stack): whatever the interleaving, one Task and one ImagingStudy remain, both saying the later status.
 */
describe('FhirStatusSink under concurrent writers (embedded server on PGlite)', () => {
  let dir: string;
  let fhir: EmbeddedFhir;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'adni-race-'));
    fhir = await startEmbeddedFhir({ dataDir: dir });
  });
  afterAll(async () => {
    await fhir?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { statuses: ['requested', 'in-progress'], expected: 'in-progress' },
    { statuses: ['in-progress', 'completed'], expected: 'completed' },
    { statuses: ['requested', 'in-progress', 'failed'], expected: 'failed' },
  ] as const)('$statuses at once end as $expected, with one Task and one study', async ({ statuses, expected }) => {
    // Prepare: separate sinks, as separate processes would have
    const store = new RouterFhirStore(fhir.repo);
    const request = job(`R-${expected}`);
    const t0 = Date.parse('2024-03-01T10:00:00Z');
    // Act
    await Promise.all(
      statuses.map((status, i) =>
        new FhirStatusSink({ store }).update({ job: request, status, at: new Date(t0 + i * 1000), ...(status === 'failed' ? { reason: 'bad input' } : {}) }),
      ),
    );
    // Assess
    const tasks = await store.search<Task>('Task', taskQuery(request));
    const studies = await store.search<ImagingStudy>('ImagingStudy', imagingStudyQuery(request));
    expect(tasks.map((t) => t.status)).toEqual([expected]);
    expect(studies.map((s) => studyFacts(s).status)).toEqual([expected]);
  });
});
