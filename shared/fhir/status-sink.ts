import { randomUUID } from 'node:crypto';
import type { Bundle, Task } from '@medplum/fhirtypes';
import type { Logger } from '../ports/observability.js';
import { silentLogger } from '../ports/observability.js';
import type { JobStatusUpdate, PreprocessingStatus, StatusSink } from '../ports/status-sink.js';
import { redactId } from '../util/redact.js';
import {
  imagingStudyQuery,
  imagingStudyResource,
  patientQuery,
  patientResource,
  taskFacts,
  taskQuery,
  taskResource,
  type JobTaskFacts,
} from './mapping.js';
import type { FhirStore } from './store.js';

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

  async update(update: JobStatusUpdate): Promise<void> {
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
      return;
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
    if (previous && sameFacts(previous, facts)) return; // a repeat: write nothing, so no server makes a new version
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
          resource: taskResource(facts, { reference: studyUrl }, { reference: patientUrl }),
          request: { method: 'PUT', url: `Task?${taskQuery(job)}` },
        },
      ],
    };
    await store.transaction(bundle);
    this.logger.info('preprocessing status recorded in FHIR', { patient: redactId(job.patientId), status: update.status });
  }
}

function sameFacts(previous: ReturnType<typeof taskFacts>, next: JobTaskFacts): boolean {
  const norm = (f: Partial<JobTaskFacts>) =>
    JSON.stringify([f.status, f.reason ?? null, f.outputs ?? {}, f.requestedAt, f.startedAt ?? null, f.endedAt ?? null, f.lastModified, f.jobId ?? null]);
  return norm(previous) === norm(next);
}
