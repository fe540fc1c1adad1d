import { rm } from 'node:fs/promises';
import type { ImagingStudy, Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { imagingStudyQuery, patientQuery } from '../../shared/fhir/mapping.js';
import type { MemoryLogger } from '../support/recorders.js';
import { tinyNiftiGz } from '../local/nifti-fixture.js';
import { sessionStatuses, startTestStack, uploadSession } from '../local/stack-helpers.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from './fault-proxy.js';

/**
 * Faults while a job runs on the local stack (real worker pool, jobs in validate-only mode, embedded FHIR):
 * the jobs reach FHIR through a loopback fault proxy that answers 503, drops connections after the server
 * committed a transaction, stays down, or holds a request while the job is SIGKILLed. Each session ends
 * `completed` or `failed` with a reason, and FHIR holds exactly one Patient, one ImagingStudy per session and
 * one Task per job (counted).
 */
describe('job faults on the local stack', () => {
  let stack: LocalStack & { logger: MemoryLogger };
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy();
    stack = await startTestStack({ fhir: {}, jobEnv: { ADNI_PIPELINE: 'validate-only', FHIR_BASE_URL: `${proxy.url}/fhir/R4` } });
    proxy.target = stack.url;
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await stack?.close();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
  });

  const isTransaction = (req: ProxiedRequest) => req.method === 'POST' && /\/fhir\/R4\/?$/.test(req.url.split('?')[0]);
  const upload = (patient: string, date = '2024-03-01') =>
    uploadSession(stack, { patient, date }, { mri: tinyNiftiGz({ seed: 1 }), pet: tinyNiftiGz({ seed: 2 }) });

  /** What FHIR holds for one patient's session: counted, not assumed. */
  async function fhirCounts(patient: string, date = '2024-03-01') {
    const fhir = stack.fhir!;
    const patients = await fhir.search<Patient>('Patient', patientQuery(patient));
    const studies = await fhir.search<ImagingStudy>('ImagingStudy', imagingStudyQuery({ patientId: patient, sessionDate: date }));
    const tasks = (await fhir.search<Task>('Task', 'code=preprocess-session')).filter((t) => t.identifier?.[0]?.value?.startsWith(`${patient}/${date}/`));
    const studyStatus = studies[0]?.extension?.find((e) => e.url.endsWith('/preprocessing-status'))?.valueCode;
    return {
      patients: patients.length,
      studies: studies.length,
      studyStatus,
      tasks: tasks.map((t) => ({ status: t.status, reason: t.statusReason?.text })).sort((a, b) => a.status.localeCompare(b.status)),
    };
  }

  it('FHIR answers 503 to the job\'s first two transactions → retried, the session completes, nothing duplicated', async () => {
    // Prepare
    let failures = 2;
    proxy.plan = (req) => (isTransaction(req) && failures-- > 0 ? { status: 503 } : 'pass');
    // Act
    await upload('FLT01');
    await stack.idle();
    // Assess
    expect(proxy.log.filter((r) => r.action === '503')).toHaveLength(2);
    expect(await fhirCounts('FLT01')).toEqual({ patients: 1, studies: 1, studyStatus: 'completed', tasks: [{ status: 'completed', reason: undefined }] });
  }, 60_000);

  it('FHIR drops the connection after committing each transaction once → the retry changes nothing twice', async () => {
    // Prepare: each transaction body is forwarded (and committed), then its answer is lost, once
    const dropped = new Set<string>();
    proxy.plan = (req) => {
      if (!isTransaction(req) || dropped.has(req.body)) return 'pass';
      dropped.add(req.body);
      return 'drop-after';
    };
    const before = proxy.log.length;
    // Act
    await upload('FLT02');
    await stack.idle();
    // Assess
    expect(proxy.log.slice(before).filter((r) => r.action === 'drop-after' && r.status === 200)).toHaveLength(2);
    expect(await fhirCounts('FLT02')).toEqual({ patients: 1, studies: 1, studyStatus: 'completed', tasks: [{ status: 'completed', reason: undefined }] });
    const statuses = await sessionStatuses(stack, 'FLT02', '2024-03-01');
    expect(statuses.map((s) => s.status)).toEqual(['completed']);
  }, 60_000);

  it('FHIR down for the whole job → the job exits "could not report"; the pool relays the completed status the job recorded in its status object', async () => {
    // Prepare
    proxy.plan = () => ({ status: 503 });
    const before = proxy.log.length;
    // Act
    await upload('FLT03');
    await stack.idle();
    // Assess: every job request to FHIR was refused, yet FHIR says completed (not a made-up failure), once
    expect(proxy.log.slice(before).every((r) => r.action === '503')).toBe(true);
    expect(stack.logger.lines.some((l) => l.message.startsWith('job could not report its final status everywhere'))).toBe(true);
    expect(await fhirCounts('FLT03')).toEqual({ patients: 1, studies: 1, studyStatus: 'completed', tasks: [{ status: 'completed', reason: undefined }] });
    const [task] = (await stack.fhir!.search<Task>('Task', 'code=preprocess-session')).filter((t) => t.identifier?.[0]?.value?.startsWith('FLT03/'));
    expect(task.output?.map((o) => o.type?.text)).toContain('roi_features');
    expect(await stack.store.head('preprocessed/FLT03/2024-03-01/roi_features.json')).toBeDefined();
  }, 90_000);

  it('the worker is SIGKILLed mid-job (outputs written, completion not yet reported) → Task failed with the reason; a reprocess completes', async () => {
    // Prepare: hold the job's "completed" transaction, so it is killed between writing outputs and reporting
    proxy.plan = (req) => (isTransaction(req) && req.body.includes('"status":"completed"') ? 'hold' : 'pass');
    // Act
    await upload('FLT04');
    await proxy.held();
    const started = stack.logger.lines.filter((l) => l.message === 'job started');
    const pid = started.at(-1)!.fields!.pid as number;
    process.kill(pid, 'SIGKILL');
    await stack.idle();
    const killed = await fhirCounts('FLT04');
    proxy.plan = () => 'pass';
    const reprocess = await fetch(`${stack.url}/reprocess`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patient_id: 'FLT04' }) });
    await stack.idle();
    // Assess
    expect(killed).toEqual({ patients: 1, studies: 1, studyStatus: 'failed', tasks: [{ status: 'failed', reason: 'job process was killed by SIGKILL' }] });
    expect(reprocess.status).toBe(202);
    expect(await fhirCounts('FLT04')).toEqual({
      patients: 1,
      studies: 1,
      studyStatus: 'completed',
      tasks: [
        { status: 'completed', reason: undefined },
        { status: 'failed', reason: 'job process was killed by SIGKILL' },
      ],
    });
    expect((await sessionStatuses(stack, 'FLT04', '2024-03-01')).map((s) => s.status).sort()).toEqual(['completed', 'failed']);
    expect(await stack.store.list('jobs/FLT04/')).toHaveLength(2);
  }, 90_000);
});
