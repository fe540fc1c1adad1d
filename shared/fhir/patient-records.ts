import type { WithId } from '@medplum/core';
import type { ImagingStudy, Observation, Patient, Task } from '@medplum/fhirtypes';
import type { PreprocessingStatus } from '../ports/status-sink.js';
import { measureOf, patientQuery, studyFacts, taskFacts } from './mapping.js';
import type { FhirStore } from './store.js';

/** What FHIR holds about one patient, as written by the status sink and `adni import`. */
export interface PatientRecords {
  patient: WithId<Patient>;
  studies: WithId<ImagingStudy>[];
  tasks: WithId<Task>[];
  observations: WithId<Observation>[];
}

export interface LoadPatientRecordsOptions {
  store: FhirStore;
  patientId: string;
  /** Which resources to fetch besides the Patient (default all three). */
  include?: { studies?: boolean; tasks?: boolean; observations?: boolean };
}

/**
 * The Patient with this `patient_id` and its ImagingStudies, Tasks and Observations (three searches in
 * parallel, each following `next` links), or undefined when no such Patient exists.
 *
 * @example
 * const records = await loadPatientRecords({ store, patientId: 'P001' });
 * records?.studies.length;
 */
export async function loadPatientRecords(options: LoadPatientRecordsOptions): Promise<PatientRecords | undefined> {
  const { store, patientId } = options;
  const include = { studies: true, tasks: true, observations: true, ...options.include };
  const [patient] = await store.search<Patient>('Patient', patientQuery(patientId), { maxResults: 1 });
  if (!patient) return undefined;
  const ref = encodeURIComponent(`Patient/${patient.id}`);
  const [studies, tasks, observations] = await Promise.all([
    include.studies ? store.search<ImagingStudy>('ImagingStudy', `subject=${ref}&_sort=started&_count=100`) : [],
    include.tasks ? store.search<Task>('Task', `patient=${ref}&_count=100`) : [],
    include.observations ? store.search<Observation>('Observation', `subject=${ref}&_sort=date&_count=500`) : [],
  ]);
  return { patient, studies, tasks, observations };
}

/** One preprocessing job of a session, as its Task says. */
export interface JobView {
  taskId: string;
  jobId?: string;
  status: PreprocessingStatus;
  reason?: string;
  requestedAt?: string;
  startedAt?: string;
  endedAt?: string;
  updatedAt?: string;
  outputs: Record<string, string>;
}

/** One imaging session and its preprocessing, newest job last. */
export interface SessionView {
  sessionDate: string;
  imagingStudyId: string;
  /** The session's status (its latest job's). */
  status?: PreprocessingStatus;
  featuresUrl?: string;
  jobs: JobView[];
}

/**
 * Sessions (ImagingStudies) in date order, each with its jobs (Tasks whose focus is the study) oldest first.
 *
 * @example
 * sessionViews(records).map((s) => [s.sessionDate, s.status]);
 */
export function sessionViews(records: Pick<PatientRecords, 'studies' | 'tasks'>): SessionView[] {
  const jobsByStudy = new Map<string, JobView[]>();
  for (const task of records.tasks) {
    const focus = task.focus?.reference;
    if (!focus?.startsWith('ImagingStudy/')) continue;
    const facts = taskFacts(task);
    const job: JobView = {
      taskId: task.id,
      jobId: facts.jobId,
      status: facts.status,
      reason: facts.reason,
      requestedAt: facts.requestedAt,
      startedAt: facts.startedAt,
      endedAt: facts.endedAt,
      updatedAt: facts.lastModified,
      outputs: facts.outputs,
    };
    const id = focus.slice('ImagingStudy/'.length);
    jobsByStudy.set(id, [...(jobsByStudy.get(id) ?? []), job]);
  }
  const sessions = records.studies.map((study) => {
    const facts = studyFacts(study);
    const jobs = (jobsByStudy.get(study.id) ?? []).sort((a, b) => (a.requestedAt ?? '').localeCompare(b.requestedAt ?? ''));
    return { sessionDate: facts.sessionDate ?? '', imagingStudyId: study.id, status: facts.status, featuresUrl: facts.featuresUrl, jobs };
  });
  return sessions.sort((a, b) => a.sessionDate.localeCompare(b.sessionDate));
}

/** Scores by visit date: `{ '2024-01-10': { mmse: 28, cdrsb: 0.5 } }`, with the Observation ids used. */
export function scoresByDate(observations: readonly WithId<Observation>[]): Map<string, { scores: Record<string, number | string>; references: string[] }> {
  const byDate = new Map<string, { scores: Record<string, number | string>; references: string[] }>();
  for (const observation of observations) {
    const m = measureOf(observation);
    if (!m?.date) continue;
    const entry = byDate.get(m.date) ?? { scores: {}, references: [] };
    entry.scores[m.measure] = m.value;
    entry.references.push(`Observation/${observation.id}`);
    byDate.set(m.date, entry);
  }
  return byDate;
}

/**
 * The object key a stored output URL points at (`file:///…/store/preprocessed/P1/2024-01-01/roi_features.json`,
 * `s3://bucket/preprocessed/…`): every output lives under `preprocessed/{patient}/{session}/`.
 *
 * @example
 * outputKeyOfUrl('s3://b/preprocessed/P1/2024-01-01/roi_features.json') // 'preprocessed/P1/2024-01-01/roi_features.json'
 */
export function outputKeyOfUrl(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  const match = /(?:^|\/)(preprocessed\/[^/]+\/[^/]+\/[^/]+)$/.exec(pathname);
  return match?.[1];
}
