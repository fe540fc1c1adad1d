import { randomUUID } from 'node:crypto';
import type { Bundle, ImagingStudy, Patient, Reference, Task } from '@medplum/fhirtypes';
import type { Logger } from '../ports/observability.js';
import { silentLogger } from '../ports/observability.js';
import type { JobStatusUpdate, PreprocessingStatus, StatusSink } from '../ports/status-sink.js';
import { redactId } from '../util/redact.js';
import {
  imagingStudyQuery,
  imagingStudyResource,
  patientQuery,
  patientResource,
  studyFacts,
  taskFacts,
  taskQuery,
  taskResource,
  type JobTaskFacts,
} from './mapping.js';
import { FhirStoreError, type FhirStore } from './store.js';

export interface FhirStatusSinkOptions {
  store: FhirStore;
  /** The URL recorded for an output object (default `object://{bucket}/{key}`; the local stack passes its store URL). */
  objectUrl?: (bucket: string, key: string) => string;
  logger?: Logger;
}

const RANK: Record<PreprocessingStatus, number> = { requested: 0, 'in-progress': 1, completed: 2, failed: 2 };

/**
 * Whether an update may change a Task that says `current`. Updates arrive late, twice, and out of order
 * (a queue monitor may report `requested` after the container said `in-progress`):
 * - a completed Task never changes again;
 * - a failed Task may go back to in-progress/completed only for a later attempt (retries);
 * - otherwise status never goes backwards, and an older update than the Task's never overwrites it.
 *
 * @example
 * mayApply({ status: 'completed', lastModified: '...' }, { status: 'in-progress', at }) // false
 */
export function mayApply(current: { status: PreprocessingStatus; lastModified?: string } | undefined, update: Pick<JobStatusUpdate, 'status' | 'at'>): boolean {
  if (!current) return true;
  const currentAt = current.lastModified ? Date.parse(current.lastModified) : Number.NEGATIVE_INFINITY;
  const at = update.at.getTime();
  if (current.status === 'completed') return false;
  if (current.status === 'failed') {
    if (update.status === 'requested') return false;
    return update.status === 'failed' ? at >= currentAt : at > currentAt;
  }
  if (RANK[update.status] < RANK[current.status]) return false;
  if (RANK[update.status] === RANK[current.status]) return at >= currentAt;
  return true;
}

/**
 * The StatusSink of the product: each job status update becomes an ImagingStudy (one per session) and a Task
 * (one per job), written in one FHIR transaction with conditional writes keyed by identifiers, so repeated
 * updates change nothing and a retried job never duplicates a resource.
 *
 * @example
 * const sink = new FhirStatusSink({ store: await fhirStoreFromEnv(process.env) });
 * await sink.update({ job, status: 'in-progress', at: new Date() });
 */
export class FhirStatusSink implements StatusSink {
  private readonly objectUrl: (bucket: string, key: string) => string;
  private readonly logger: Logger;

  constructor(private readonly options: FhirStatusSinkOptions) {
    this.objectUrl = options.objectUrl ?? ((bucket, key) => `object://${bucket}/${key}`);
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Writes the update unless the Task already says more. Two writers may race (the stack reports `requested`
   * while the job, another process, reports `in-progress`): the Task is written only if it is still the version
   * this update was decided on (`If-Match`), or created only if it still does not exist (`If-None-Exist`);
   * otherwise the update is decided again on the new Task.
   */
  async update(update: JobStatusUpdate): Promise<void> {
    let lostCreate = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryUpdate(update);
      if (outcome === 'done') {
        // Our study write went through without our Task: put the study back in line with the Task that won.
        if (lostCreate) await this.alignStudy(update.job);
        return;
      }
      lostCreate ||= outcome === 'lost-create';
      if (attempt >= MAX_ATTEMPTS) throw new Error(`could not record the ${update.status} status: the Task kept changing (${MAX_ATTEMPTS} attempts)`);
    }
  }

  private async tryUpdate(update: JobStatusUpdate): Promise<'done' | 'conflict' | 'lost-create'> {
    const { job } = update;
    const store = this.options.store;
    const existing = (await store.search<Task>('Task', taskQuery(job), { maxResults: 2 }))[0];
    const previous = existing ? taskFacts(existing) : undefined;
    if (!mayApply(previous, update)) {
      this.logger.info('status update ignored: the Task already says more', {
        patient: redactId(job.patientId),
        current: previous?.status,
        update: update.status,
      });
      return 'done';
    }
    const at = update.at.toISOString();
    const terminal = update.status === 'completed' || update.status === 'failed';
    const outputs = update.outputs
      ? Object.fromEntries(Object.entries(update.outputs).map(([name, key]) => [name, this.objectUrl(job.outputBucket, key)]))
      : update.status === 'completed'
        ? previous?.outputs
        : undefined;
    const facts: JobTaskFacts = {
      patientId: job.patientId,
      sessionDate: job.sessionDate,
      fingerprint: job.fingerprint,
      jobName: job.jobName,
      jobId: update.jobId ?? previous?.jobId,
      status: update.status,
      reason: update.status === 'failed' ? (update.reason ?? 'the job failed without a reason') : undefined,
      outputs,
      requestedAt: previous?.requestedAt ?? at,
      startedAt: update.status === 'requested' ? undefined : (previous?.startedAt ?? (update.status === 'in-progress' ? at : undefined)),
      endedAt: terminal ? at : undefined,
      lastModified: at,
    };
    if (previous && sameFacts(previous, facts)) return 'done'; // a repeat: write nothing, so no server makes a new version
    const patientUrl = `urn:uuid:${randomUUID()}`;
    const studyUrl = `urn:uuid:${randomUUID()}`;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: patientUrl,
          resource: patientResource({ patientId: job.patientId }),
          request: { method: 'POST', url: 'Patient', ifNoneExist: patientQuery(job.patientId) },
        },
        {
          fullUrl: studyUrl,
          resource: imagingStudyResource(
            { patientId: job.patientId, sessionDate: job.sessionDate, status: update.status, featuresUrl: outputs?.roi_features },
            { reference: patientUrl },
          ),
          request: { method: 'PUT', url: `ImagingStudy?${imagingStudyQuery(job)}` },
        },
        {
          resource: existing
            ? { ...taskResource(facts, { reference: studyUrl }, { reference: patientUrl }), id: existing.id }
            : taskResource(facts, { reference: studyUrl }, { reference: patientUrl }),
          request: existing
            ? { method: 'PUT', url: `Task/${existing.id}`, ifMatch: `W/"${existing.meta?.versionId}"` }
            : { method: 'POST', url: 'Task', ifNoneExist: taskQuery(job) },
        },
      ],
    };
    let response: Bundle;
    try {
      response = await store.transaction(bundle);
    } catch (error) {
      // The transaction was rolled back as a whole (study included) because another writer got there first.
      if (isConflict(error)) return 'conflict';
      throw error;
    }
    const taskStatus = response.entry?.[2]?.response?.status ?? '';
    // Another writer created the Task between our read and write, so ours was not stored (but the study got our
    // status): decide again on their Task.
    if (!existing && !taskStatus.startsWith('201')) return 'lost-create';
    this.logger.info('preprocessing status recorded in FHIR', { patient: redactId(job.patientId), status: update.status });
    return 'done';
  }

  /** Makes the session's ImagingStudy say what its Task says (after a lost race, see {@link update}). */
  private async alignStudy(job: JobStatusUpdate['job']): Promise<void> {
    const store = this.options.store;
    const [task] = await store.search<Task>('Task', taskQuery(job), { maxResults: 1 });
    const [study] = await store.search<ImagingStudy>('ImagingStudy', imagingStudyQuery(job), { maxResults: 1 });
    if (!task || !study || !study.subject) return;
    const facts = taskFacts(task);
    if (studyFacts(study).status === facts.status) return;
    await store.update(
      { ...imagingStudyResource({ patientId: job.patientId, sessionDate: job.sessionDate, status: facts.status, featuresUrl: facts.outputs.roi_features }, study.subject as Reference<Patient>), id: study.id },
    );
  }
}

const MAX_ATTEMPTS = 5;

/**
 * A write lost to a concurrent one: 412 (the Task's version changed: If-Match), 409, or the 400 Medplum's router
 * gives when a conditional update's match appeared between resolving the bundle and writing it.
 */
function isConflict(error: unknown): boolean {
  if (!(error instanceof FhirStoreError)) return false;
  return error.status === 412 || error.status === 409 || (error.status === 400 && /did not match resolved ID/.test(error.message));
}

function sameFacts(previous: ReturnType<typeof taskFacts>, next: JobTaskFacts): boolean {
  const norm = (f: Partial<JobTaskFacts>) =>
    JSON.stringify([f.status, f.reason ?? null, f.outputs ?? {}, f.requestedAt, f.startedAt ?? null, f.endedAt ?? null, f.lastModified, f.jobId ?? null]);
  return norm(previous) === norm(next);
}
