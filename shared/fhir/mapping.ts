import type { CodeableConcept, Extension, ImagingStudy, Observation, Patient, Reference, Task } from '@medplum/fhirtypes';
import type { PreprocessingStatus } from '../ports/status-sink.js';
import { EXTENSIONS, MEASURES, PREPROCESS_TASK_CODE, SYSTEMS, type MeasureName } from './codes.js';
import { identifierQuery } from './store.js';

export interface PatientFacts {
  patientId: string;
  sex?: 'female' | 'male';
  /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  birthDate?: string;
  educationYears?: number;
  ageAtBaseline?: { age: number; date: string };
}

/**
 * The Patient of one `patient_id`, keyed by identifier (write it with `conditionalUpdate(patient, patientQuery(id))`).
 *
 * @example
 * patientResource({ patientId: '0021', sex: 'female', educationYears: 16 })
 */
export function patientResource(facts: PatientFacts): Patient {
  const extension: Extension[] = [];
  if (facts.educationYears !== undefined) extension.push({ url: EXTENSIONS.educationYears, valueInteger: facts.educationYears });
  if (facts.ageAtBaseline) {
    extension.push({
      url: EXTENSIONS.ageAtBaseline,
      extension: [
        { url: 'age', valueDecimal: facts.ageAtBaseline.age },
        { url: 'date', valueDate: facts.ageAtBaseline.date },
      ],
    });
  }
  return {
    resourceType: 'Patient',
    identifier: [{ system: SYSTEMS.patientId, value: facts.patientId }],
    ...(facts.sex ? { gender: facts.sex } : {}),
    ...(facts.birthDate ? { birthDate: facts.birthDate } : {}),
    ...(extension.length ? { extension } : {}),
  };
}

export function patientQuery(patientId: string): string {
  return identifierQuery(SYSTEMS.patientId, patientId);
}

/** Reads the facts back from a Patient written by {@link patientResource}. */
export function patientFacts(patient: Patient): PatientFacts | undefined {
  const patientId = patient.identifier?.find((i) => i.system === SYSTEMS.patientId)?.value;
  if (!patientId) return undefined;
  const age = patient.extension?.find((e) => e.url === EXTENSIONS.ageAtBaseline)?.extension;
  const ageValue = age?.find((e) => e.url === 'age')?.valueDecimal;
  const ageDate = age?.find((e) => e.url === 'date')?.valueDate;
  return {
    patientId,
    sex: patient.gender === 'female' || patient.gender === 'male' ? patient.gender : undefined,
    birthDate: patient.birthDate,
    educationYears: patient.extension?.find((e) => e.url === EXTENSIONS.educationYears)?.valueInteger,
    ageAtBaseline: ageValue !== undefined && ageDate ? { age: ageValue, date: ageDate } : undefined,
  };
}

export interface MeasureValue {
  patientId: string;
  /** `YYYY-MM-DD` of the visit. */
  date: string;
  measure: MeasureName;
  /** A number, or for `diagnosis` a code (CN, MCI, Dementia). */
  value: number | string;
  /** The visit code where known (ADNI VISCODE: bl, m06 ...). */
  visit?: string;
}

/**
 * One score as an Observation, identified by patient, date and measure so re-imports update it in place.
 *
 * @example
 * observationResource({ patientId: '0021', date: '2006-01-10', measure: 'mmse', value: 28 }, { reference: 'Patient/abc' })
 */
export function observationResource(m: MeasureValue, subject: Reference<Patient>): Observation {
  const def = MEASURES[m.measure];
  const code: CodeableConcept = { coding: [{ system: def.system, code: def.code, display: def.display }], text: def.display };
  const value: Partial<Observation> =
    typeof m.value === 'number'
      ? { valueQuantity: { value: m.value, unit: def.unit, system: SYSTEMS.ucum, code: def.unit } }
      : { valueCodeableConcept: { coding: [{ system: SYSTEMS.codes, code: `dx-${m.value.toLowerCase()}`, display: m.value }], text: m.value } };
  return {
    resourceType: 'Observation',
    identifier: [{ system: SYSTEMS.observationId, value: observationKey(m) }],
    status: 'final',
    category: [{ coding: [{ system: SYSTEMS.observationCategory, code: m.measure === 'apoe4' ? 'laboratory' : 'survey' }] }],
    code,
    subject,
    effectiveDateTime: m.date,
    ...value,
    ...(m.visit ? { note: [{ text: `visit ${m.visit}` }] } : {}),
  };
}

export function observationKey(m: Pick<MeasureValue, 'patientId' | 'date' | 'measure'>): string {
  return `${m.patientId}/${m.date}/${m.measure}`;
}

export function observationQuery(m: Pick<MeasureValue, 'patientId' | 'date' | 'measure'>): string {
  return identifierQuery(SYSTEMS.observationId, observationKey(m));
}

/** Which measure an Observation holds, and its value; undefined for Observations this product did not write. */
export function measureOf(observation: Observation): { measure: MeasureName; value: number | string; date?: string } | undefined {
  for (const [name, def] of Object.entries(MEASURES) as [MeasureName, (typeof MEASURES)[MeasureName]][]) {
    if (!observation.code?.coding?.some((c) => c.system === def.system && c.code === def.code)) continue;
    const value = observation.valueQuantity?.value ?? observation.valueCodeableConcept?.text;
    if (value === undefined) return undefined;
    return { measure: name, value, date: observation.effectiveDateTime?.slice(0, 10) };
  }
  return undefined;
}

export interface SessionStudyFacts {
  patientId: string;
  sessionDate: string;
  status: PreprocessingStatus;
  featuresUrl?: string;
}

/**
 * The ImagingStudy of one session (status `available`: the images are in storage), with the preprocessing
 * status and the features URL as extensions.
 *
 * @example
 * imagingStudyResource({ patientId: 'P1', sessionDate: '2024-01-01', status: 'requested' }, { reference: 'Patient/x' })
 */
export function imagingStudyResource(facts: SessionStudyFacts, subject: Reference<Patient>): ImagingStudy {
  const extension: Extension[] = [{ url: EXTENSIONS.preprocessingStatus, valueCode: facts.status }];
  if (facts.featuresUrl) extension.push({ url: EXTENSIONS.preprocessedFeaturesUrl, valueUrl: facts.featuresUrl });
  return {
    resourceType: 'ImagingStudy',
    identifier: [{ system: SYSTEMS.imagingSession, value: sessionKey(facts) }],
    status: 'available',
    subject,
    started: facts.sessionDate,
    modality: [
      { system: SYSTEMS.dicomModality, code: 'MR' },
      { system: SYSTEMS.dicomModality, code: 'PT' },
    ],
    description: 'MRI (T1) and PET session',
    extension,
  };
}

export function sessionKey(s: { patientId: string; sessionDate: string }): string {
  return `${s.patientId}/${s.sessionDate}`;
}

export function imagingStudyQuery(s: { patientId: string; sessionDate: string }): string {
  return identifierQuery(SYSTEMS.imagingSession, sessionKey(s));
}

/** The preprocessing status and features URL of an ImagingStudy written by {@link imagingStudyResource}. */
export function studyFacts(study: ImagingStudy): { sessionDate?: string; status?: PreprocessingStatus; featuresUrl?: string } {
  return {
    sessionDate: study.started?.slice(0, 10),
    status: study.extension?.find((e) => e.url === EXTENSIONS.preprocessingStatus)?.valueCode as PreprocessingStatus | undefined,
    featuresUrl: study.extension?.find((e) => e.url === EXTENSIONS.preprocessedFeaturesUrl)?.valueUrl,
  };
}

export interface JobTaskFacts {
  patientId: string;
  sessionDate: string;
  fingerprint: string;
  jobName: string;
  jobId?: string;
  status: PreprocessingStatus;
  reason?: string;
  /** Output object URLs by name. */
  outputs?: Record<string, string>;
  /** When the job was requested (kept from the first update). */
  requestedAt: string;
  startedAt?: string;
  endedAt?: string;
  /** The time of the update this Task reflects. */
  lastModified: string;
}

/**
 * The Task of one preprocessing job (`requested → in-progress → completed | failed`), its focus the session's
 * ImagingStudy, the error in `statusReason`, the result objects in `output`.
 *
 * @example
 * taskResource(facts, { reference: 'ImagingStudy/s' }, { reference: 'Patient/p' })
 */
export function taskResource(facts: JobTaskFacts, focus: Reference<ImagingStudy>, patient: Reference<Patient>): Task {
  const identifier: { system: string; value: string }[] = [{ system: SYSTEMS.preprocessingJob, value: jobKey(facts) }];
  if (facts.jobId) identifier.push({ system: SYSTEMS.providerJobId, value: facts.jobId });
  const period = facts.startedAt || facts.endedAt ? { executionPeriod: { ...(facts.startedAt ? { start: facts.startedAt } : {}), ...(facts.endedAt ? { end: facts.endedAt } : {}) } } : {};
  return {
    resourceType: 'Task',
    identifier,
    groupIdentifier: { system: SYSTEMS.imagingSession, value: sessionKey(facts) },
    status: facts.status,
    intent: 'order',
    code: { coding: [PREPROCESS_TASK_CODE] },
    description: `preprocess session ${facts.sessionDate} (job ${facts.jobName})`,
    focus,
    for: patient,
    authoredOn: facts.requestedAt,
    lastModified: facts.lastModified,
    ...period,
    businessStatus: { text: facts.status === 'failed' && facts.reason ? `failed: ${facts.reason}` : facts.status },
    ...(facts.status === 'failed' && facts.reason ? { statusReason: { text: facts.reason } } : {}),
    ...(facts.outputs && Object.keys(facts.outputs).length
      ? {
          output: Object.entries(facts.outputs)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, url]) => ({ type: { coding: [{ system: SYSTEMS.codes, code: `output-${name}` }], text: name }, valueUrl: url })),
        }
      : {}),
  };
}

export function jobKey(j: { patientId: string; sessionDate: string; fingerprint: string }): string {
  return `${j.patientId}/${j.sessionDate}/${j.fingerprint}`;
}

export function taskQuery(j: { patientId: string; sessionDate: string; fingerprint: string }): string {
  return identifierQuery(SYSTEMS.preprocessingJob, jobKey(j));
}

/** What a Task written by {@link taskResource} says. */
export function taskFacts(task: Task): {
  status: PreprocessingStatus;
  reason?: string;
  outputs: Record<string, string>;
  requestedAt?: string;
  startedAt?: string;
  endedAt?: string;
  lastModified?: string;
  jobId?: string;
} {
  const outputs: Record<string, string> = {};
  for (const o of task.output ?? []) if (o.type?.text && o.valueUrl) outputs[o.type.text] = o.valueUrl;
  return {
    status: task.status as PreprocessingStatus,
    reason: task.statusReason?.text,
    outputs,
    requestedAt: task.authoredOn,
    startedAt: task.executionPeriod?.start,
    endedAt: task.executionPeriod?.end,
    lastModified: task.lastModified,
    jobId: task.identifier?.find((i) => i.system === SYSTEMS.providerJobId)?.value,
  };
}
