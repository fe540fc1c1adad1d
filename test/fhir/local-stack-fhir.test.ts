import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, ImagingStudy, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCommand } from '../../functions/local/run-import.js';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { MedplumFhirStore } from '../../shared/fhir/medplum-store.js';
import { taskQuery } from '../../shared/fhir/mapping.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { startTestStack, uploadSession } from '../local/stack-helpers.js';

/**
 * The status flow end to end on one machine: uploads through the local stack's API, jobs in child processes
 * reporting over HTTP to the embedded FHIR server, read back through FHIR and the two GET routes.
 */
describe('local stack with FHIR: status flow end to end', () => {
  let dataDir: string;
  let stack: LocalStack;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'adni-stack-fhir-'));
    stack = await startTestStack({ dataDir, fhir: {} });
    await uploadSession(stack, { patient: 'F001', date: '2024-03-01' }, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });
    await uploadSession(stack, { patient: 'F002', date: '2024-04-01' }, { mri: 'this is not a gzip file', pet: tinyNiftiGz() });
    await stack.idle();
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = async (route: string) => {
    const response = await fetch(`${stack.url}${route}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  it('a good upload ends as a completed Task (requested → in-progress → completed) with its outputs, visible over FHIR', async () => {
    // Prepare
    const fhir = new MedplumFhirStore({ baseUrl: stack.fhirUrl! });
    // Act
    const [task] = await fhir.search<Task>('Task', 'code=preprocess-session&status=completed');
    const history = (await (await fetch(`${stack.fhirUrl}/Task/${task.id}/_history`)).json()) as Bundle<Task>;
    const study = await fhir.read<ImagingStudy>('ImagingStudy', task.focus!.reference!.split('/')[1]);
    // Assess
    expect(history.entry!.map((e) => e.resource!.status).reverse()).toEqual(['requested', 'in-progress', 'completed']);
    expect(task.output!.map((o) => o.type!.text)).toEqual(['mri_brain', 'pet_suvr', 'roi_features']);
    expect(task.output!.find((o) => o.type!.text === 'roi_features')!.valueUrl).toMatch(/^file:\/\/.*\/store\/preprocessed\/F001\/2024-03-01\/roi_features\.json$/);
    expect(study!.started).toBe('2024-03-01');
    expect(study!.extension!.find((e) => e.url.endsWith('/preprocessing-status'))!.valueCode).toBe('completed');
  });

  it('GET /preprocessing-status lists the session with status, times and outputs', async () => {
    // Act
    const { status, body } = await get('/preprocessing-status/F001');
    // Assess
    expect(status).toBe(200);
    expect(body.patient_id).toBe('F001');
    expect(body.sessions).toHaveLength(1);
    const [session] = body.sessions;
    expect(session).toMatchObject({ session_date: '2024-03-01', status: 'completed', error: null });
    expect(Object.keys(session.outputs).sort()).toEqual(['mri_brain', 'pet_suvr', 'roi_features']);
    expect(Date.parse(session.requested_at)).toBeLessThanOrEqual(Date.parse(session.started_at));
    expect(Date.parse(session.started_at)).toBeLessThanOrEqual(Date.parse(session.ended_at));
    expect(session.jobs).toHaveLength(1);
  });

  it('a corrupt upload is failed with its reason, in FHIR and in the API', async () => {
    // Act
    const { status, body } = await get('/preprocessing-status/F002');
    const timeline = await get('/patient-timeline/F002');
    // Assess
    expect(status).toBe(200);
    expect(body.sessions[0]).toMatchObject({ session_date: '2024-04-01', status: 'failed' });
    expect(body.sessions[0].error).toContain('MRI input is not gzip-compressed');
    expect(timeline.body.timeline).toEqual([
      expect.objectContaining({ date: '2024-04-01', imaging: expect.objectContaining({ status: 'failed', error: expect.stringContaining('not gzip') }) }),
    ]);
  });

  it.each([
    ['/preprocessing-status/NOPE', 404, 'patient_not_found'],
    ['/patient-timeline/NOPE', 404, 'patient_not_found'],
    ['/preprocessing-status/bad%20id', 400, 'invalid_request'],
    ['/patient-timeline/bad%20id', 400, 'invalid_request'],
  ])('GET %s answers %i %s', async (route, expected, code) => {
    const { status, body } = await get(route);
    expect(status).toBe(expected);
    expect(body.error.code).toBe(code);
  });

  it('is idempotent: reporting a job status again adds no Task and no version', async () => {
    // Prepare
    const fhir = new MedplumFhirStore({ baseUrl: stack.fhirUrl! });
    const [before] = await fhir.search<Task>('Task', 'status=completed');
    const { FhirStatusSink } = await import('../../shared/fhir/status-sink.js');
    const sink = new FhirStatusSink({ store: stack.fhir! });
    const key = before.identifier![0].value!.split('/');
    const job = { patientId: key[0], sessionDate: key[1], fingerprint: key[2] };
    // Act
    await sink.update({ job: { ...job, jobName: 'x', inputBucket: 'local', mriKey: 'm', petKey: 'p', outputBucket: 'local', outputPrefix: 'x/' }, status: 'completed', at: new Date(Date.parse(before.lastModified!)) });
    // Assess
    const after = await fhir.search<Task>('Task', taskQuery(job));
    expect(after).toHaveLength(1);
    expect(after[0].meta!.versionId).toBe(before.meta!.versionId);
  });

  it('adni import loads a CSV over HTTP, reports the bad row, and the timeline merges its scores with the imaging session', async () => {
    // Prepare
    const csv = path.join(dataDir, 'import.csv');
    await writeFile(
      csv,
      'RID,PTID,VISCODE,EXAMDATE,AGE,PTGENDER,PTEDUCAT,APOE4,DX,MMSE,CDRSB,ADAS13\n' +
        '1,F001,bl,2024-03-01,72,Female,16,1,MCI,27,1.5,14\n' +
        '1,F001,m06,2024-09-02,72,Female,16,1,MCI,26,2,16.33\n' +
        '1,F001,m12,2025-03-01,72,Female,16,1,MCI,31,2,16\n',
    );
    const lines: string[] = [];
    const run = () => runImportCommand({ csv, fhir: stack.fhirUrl, concurrency: 2 }, { out: (line) => lines.push(line) });
    // Act
    const code = await run();
    const again = await run();
    const { body } = await get('/patient-timeline/F001');
    // Assess
    expect([code, again]).toEqual([0, 0]);
    // The Patient existed already (the upload made it); APOE4 once + 2 visits × (MMSE, CDR-SB, ADAS13, DX) are new.
    const summaries = lines.filter((l) => l.startsWith('imported'));
    expect(summaries[0]).toMatch(/imported 2 rows of 1 patients .*: 9 resources created, 1 already there/);
    expect(summaries[1]).toMatch(/: 0 resources created, 10 already there/);
    expect(lines).toContain('  line 4: MMSE 31 is outside 0-30');
    expect(body.patient).toEqual({ sex: 'female', birth_date: null, education_years: 16, apoe4: 1 });
    expect(body.timeline.map((e: any) => [e.date, e.scores.mmse, e.scores.adas13, e.imaging?.status ?? null])).toEqual([
      ['2024-03-01', 27, 14, 'completed'],
      ['2024-09-02', 26, 16.33, null],
    ]);
  });

  it('the FHIR data survives a restart of the stack', async () => {
    // Act
    await stack.close();
    stack = await startTestStack({ dataDir, fhir: {} });
    const { status, body } = await get('/preprocessing-status/F001');
    // Assess
    expect(status).toBe(200);
    expect(body.sessions[0].status).toBe('completed');
  });
});
