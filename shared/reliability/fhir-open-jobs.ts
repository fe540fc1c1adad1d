import type { Task } from '@medplum/fhirtypes';
import { jobName } from '../core/job-contract.js';
import { preprocessedPrefix, rawKey } from '../domain/session-key.js';
import { taskFacts } from '../fhir/mapping.js';
import type { FhirStore } from '../fhir/store.js';
import type { OpenJob } from './reconcile-jobs.js';

export interface FhirOpenJobsOptions {
  store: FhirStore;
  /** The deployment's buckets/containers: the job request is rebuilt from the session and these. */
  inputBucket: string;
  outputBucket: string;
  /** Open Tasks read per pass at most (oldest first after sorting; the rest next pass). */
  limit?: number;
}

/**
 * The preprocessing Tasks not yet `completed` or `failed` that name a provider job id, as open jobs for
 * {@link reconcileJobs}. The request is rebuilt from the Task's job identifier (patient/session/fingerprint),
 * the deterministic job name and object keys, and the deployment's buckets: all a failed update needs.
 *
 * @example
 * const open = await openJobsFromFhir({ store, inputBucket: 'uploads', outputBucket: 'preprocessed' });
 */
export async function openJobsFromFhir(options: FhirOpenJobsOptions): Promise<OpenJob[]> {
  const tasks = await options.store.search<Task>('Task', `code=preprocess-session&status=requested,in-progress&_count=${options.limit ?? 200}`);
  const open: OpenJob[] = [];
  for (const task of tasks) {
    const facts = taskFacts(task);
    const key = task.identifier?.find((i) => i.value && /^[^/]+\/\d{4}-\d{2}-\d{2}\/[0-9a-f]{16}$/.test(i.value))?.value;
    if (!facts.jobId || !key || (facts.status !== 'requested' && facts.status !== 'in-progress')) continue;
    const [patientId, sessionDate, fingerprint] = key.split('/');
    const session = { patientId, sessionDate };
    open.push({
      job: {
        ...session,
        fingerprint,
        jobName: jobName(patientId, sessionDate, fingerprint),
        inputBucket: options.inputBucket,
        mriKey: rawKey(session, 'mri'),
        petKey: rawKey(session, 'pet'),
        outputBucket: options.outputBucket,
        outputPrefix: preprocessedPrefix(session),
      },
      jobId: facts.jobId,
      status: facts.status,
      since: new Date(facts.lastModified ?? facts.startedAt ?? facts.requestedAt ?? 0),
    });
  }
  return open.sort((a, b) => a.since.getTime() - b.since.getTime());
}
