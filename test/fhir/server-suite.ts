import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Bundle, Observation, OperationOutcome, Patient, Resource, Task } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFhir } from '../../providers/local/fhir/index.js';
import { SYSTEMS } from '../../shared/fhir/codes.js';
import { RouterFhirStore } from '../../shared/fhir/router-store.js';
import { FhirStatusSink } from '../../shared/fhir/status-sink.js';

/** A running embedded FHIR server on a loopback port. */
export interface ServerHandle {
  fhir: EmbeddedFhir;
  base: string;
  stop(): Promise<void>;
}

/** Serves the routes of an embedded FHIR store over real HTTP on 127.0.0.1:<free port>. */
export async function serveFhir(fhir: EmbeddedFhir): Promise<ServerHandle> {
  const app = new Hono();
  app.route('/', fhir.routes);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    fhir,
    base: `http://127.0.0.1:${port}/fhir/R4`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function client(base: () => string) {
  return async function http<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const response = await fetch(`${base()}/${path}`, {
      method,
      headers: { accept: 'application/fhir+json', ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

const SYSTEM = 'https://adni-progression.example.org/fhir/test-id';
const LOINC = 'http://loinc.org';

function patient(value: string, extra: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], ...extra };
}

function observation(patientId: string, code: string, date: string, value: number, id?: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    ...(id ? { identifier: [{ system: SYSTEM, value: id }] } : {}),
    code: { coding: [{ system: LOINC, code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    valueQuantity: { value },
  };
}

/**
 * FHIR REST interactions over HTTP, the same for PGlite and a PostgreSQL server.
 * `start` opens a store on empty tables; `reopen` (PGlite with a data dir) opens the same data again.
 */
export function fhirServerSuite(name: string, start: () => Promise<EmbeddedFhir>, reopen?: () => Promise<EmbeddedFhir>) {
  describe(name, () => {
    let server: ServerHandle;
    const http = client(() => server.base);

    beforeAll(async () => {
      server = await serveFhir(await start());
    });
    afterAll(async () => {
      await server?.stop();
      await server?.fhir.close();
    });

    it('GET /metadata returns a CapabilityStatement naming the indexed parameters', async () => {
      // Act
      const { status, body } = await http('GET', 'metadata');
      // Assess
      expect(status).toBe(200);
      expect(body.resourceType).toBe('CapabilityStatement');
      expect(body.fhirVersion).toBe('4.0.1');
      const observation = body.rest[0].resource.find((r: any) => r.type === 'Observation');
      expect(observation.searchParam.map((p: any) => p.name)).toEqual(expect.arrayContaining(['subject', 'code', 'date']));
    });

    it('create, read, update, vread and history keep every version', async () => {
      // Prepare
      const created = await http<Patient>('POST', 'Patient', patient('crud-1', { gender: 'female' }));
      const id = created.body.id!;
      // Act
      const updated = await http<Patient>('PUT', `Patient/${id}`, { ...created.body, gender: 'male' });
      const read = await http<Patient>('GET', `Patient/${id}`);
      const v1 = await http<Patient>('GET', `Patient/${id}/_history/1`);
      const history = await http<Bundle>('GET', `Patient/${id}/_history`);
      // Assess
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`${server.base}/Patient/${id}/_history/1`);
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('W/"2"');
      expect(read.body.gender).toBe('male');
      expect(v1.body.gender).toBe('female');
      expect(history.body.entry!.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
    });

    it.each([
      ['unknown id', 'GET', 'Patient/does-not-exist', undefined, 404],
      ['unknown search parameter', 'GET', 'Patient?shoe-size=42', undefined, 400],
      ['invalid JSON', 'POST', 'Patient', '{not json', 400],
      ['a resource FHIR does not allow', 'POST', 'Patient', { resourceType: 'Patient', shoeSize: 42 }, 400],
      ['a body of the wrong type', 'POST', 'Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, 400],
      ['a bad date in a search', 'GET', 'Observation?date=yesterday', undefined, 400],
    ])('%s gives an OperationOutcome with status %#', async (_what, method, path, body, expected) => {
      // Act
      const { status, body: outcome } = await http<OperationOutcome>(method, path, body);
      // Assess
      expect(status).toBe(expected);
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue?.[0]?.severity).toBe('error');
    });

    it('a deleted resource reads as 410 Gone and leaves search results', async () => {
      // Prepare
      const { body } = await http<Patient>('POST', 'Patient', patient('deleted-1'));
      // Act
      const deleted = await http('DELETE', `Patient/${body.id}`);
      const read = await http('GET', `Patient/${body.id}`);
      const search = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|deleted-1`);
      // Assess
      expect(deleted.status).toBe(200);
      expect(read.status).toBe(410);
      expect(search.body.total).toBe(0);
    });

    it('conditional create (If-None-Exist) is idempotent', async () => {
      // Prepare
      const body = patient('cond-create-1');
      const ifNoneExist = { 'if-none-exist': `identifier=${SYSTEM}|cond-create-1` };
      // Act
      const first = await http<Patient>('POST', 'Patient', body, ifNoneExist);
      const second = await http<Patient>('POST', 'Patient', body, ifNoneExist);
      const search = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|cond-create-1`);
      // Assess
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
      expect(search.body.total).toBe(1);
    });

    it('racing conditional creates make one resource', async () => {
      // Prepare
      const ifNoneExist = { 'if-none-exist': `identifier=${SYSTEM}|race-1` };
      // Act
      const results = await Promise.all(Array.from({ length: 6 }, () => http<Patient>('POST', 'Patient', patient('race-1'), ifNoneExist)));
      const search = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|race-1`);
      // Assess
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(search.body.total).toBe(1);
    });

    it('conditional update (PUT Type?identifier=) run twice is idempotent: one resource, one version', async () => {
      // Prepare
      const body = patient('cond-update-1', { birthDate: '1950-02-03' });
      // Act
      const first = await http<Patient>('PUT', `Patient?identifier=${SYSTEM}|cond-update-1`, body);
      const second = await http<Patient>('PUT', `Patient?identifier=${SYSTEM}|cond-update-1`, body);
      const changed = await http<Patient>('PUT', `Patient?identifier=${SYSTEM}|cond-update-1`, { ...body, birthDate: '1950-02-04' });
      const search = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|cond-update-1`);
      // Assess
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body.meta?.versionId).toBe('1');
      expect(changed.body.meta?.versionId).toBe('2');
      expect(search.body.total).toBe(1);
    });

    it('a failed transaction leaves nothing behind', async () => {
      // Prepare
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:6f1f3c3e-1111-4a8e-9c55-000000000001', resource: patient('tx-fail-1'), request: { method: 'POST', url: 'Patient' } },
          { resource: patient('tx-fail-2'), request: { method: 'PUT', url: `Patient?identifier=${SYSTEM}|tx-fail-2` } },
          // Invalid: Observation.code is required, so the whole bundle must roll back.
          { resource: { resourceType: 'Observation', status: 'final' }, request: { method: 'POST', url: 'Observation' } },
        ],
      };
      // Act
      const result = await http('POST', '', bundle);
      const one = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|tx-fail-1`);
      const two = await http<Bundle>('GET', `Patient?identifier=${SYSTEM}|tx-fail-2`);
      // Assess
      expect(result.status).toBe(400);
      expect(one.body.total).toBe(0);
      expect(two.body.total).toBe(0);
    });

    it('a transaction commits every entry and resolves urn:uuid references', async () => {
      // Prepare
      const fullUrl = 'urn:uuid:6f1f3c3e-2222-4a8e-9c55-000000000002';
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl, resource: patient('tx-ok-1'), request: { method: 'PUT', url: `Patient?identifier=${SYSTEM}|tx-ok-1` } },
          { resource: { ...observation('x', '72107-6', '2021-01-01', 28), subject: { reference: fullUrl } }, request: { method: 'POST', url: 'Observation' } },
        ],
      };
      // Act
      const result = await http<Bundle>('POST', '', bundle);
      const found = await http<Bundle<Patient>>('GET', `Patient?identifier=${SYSTEM}|tx-ok-1`);
      const id = found.body.entry![0].resource!.id;
      const observations = await http<Bundle>('GET', `Observation?subject=Patient/${id}`);
      // Assess
      expect(result.status).toBe(200);
      expect(result.body.type).toBe('transaction-response');
      expect(observations.body.total).toBe(1);
    });

    describe('search', () => {
      let pid: string;
      beforeAll(async () => {
        pid = (await http<Patient>('POST', 'Patient', patient('search-1'))).body.id!;
        const dates = ['2019-05-01', '2021-03-15', '2020-07-30', '2022-11-02', '2018-01-20'];
        for (const [i, date] of dates.entries()) await http('POST', 'Observation', observation(pid, '72107-6', date, 20 + i));
        await http('POST', 'Observation', observation(pid, '106136-5', '2020-01-01', 1.5));
      });

      it('subject + code + _sort=-date returns newest first and pages with next links', async () => {
        // Act
        const first = await http<Bundle<Observation>>('GET', `Observation?subject=Patient/${pid}&code=${LOINC}|72107-6&_sort=-date&_count=2`);
        const pages = [first.body];
        let next = first.body.link?.find((l) => l.relation === 'next')?.url;
        while (next) {
          const page = (await fetch(next).then((r) => r.json())) as Bundle<Observation>;
          pages.push(page);
          next = page.link?.find((l) => l.relation === 'next')?.url;
        }
        // Assess
        const dates = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource!.effectiveDateTime));
        expect(first.body.total).toBe(5);
        expect(pages).toHaveLength(3);
        expect(dates).toEqual(['2022-11-02', '2021-03-15', '2020-07-30', '2019-05-01', '2018-01-20']);
      });

      it.each([
        [`code=${LOINC}|72107-6`, 5],
        ['code=72107-6', 5],
        [`code=${LOINC}|`, 6],
        ['code=|72107-6', 0],
        ['code=72107-6,106136-5', 6],
        ['code:not=72107-6', 1],
        ['date=2020', 2],
        ['date=ge2020-07-30', 3],
        ['date=gt2020-07-30', 2],
        ['date=lt2019-05-01', 1],
        ['date=le2019-05-01', 2],
        ['date=2021-03', 1],
        ['date=ge2019&date=lt2021', 3],
      ])('Observation?subject=<p>&%s finds %i', async (query, expected) => {
        // Act
        const { status, body } = await http<Bundle>('GET', `Observation?subject=Patient/${pid}&${query}`);
        // Assess
        expect(status).toBe(200);
        expect(body.total).toBe(expected);
      });

      it('_summary=count returns the total only', async () => {
        const { body } = await http<Bundle>('GET', `Observation?subject=Patient/${pid}&_summary=count`);
        expect(body.total).toBe(6);
        expect(body.entry ?? []).toHaveLength(0);
      });
    });

    it('FhirStatusSink writes one ImagingStudy and one Task through this server, idempotently', async () => {
      // Prepare
      const store = new RouterFhirStore(server.fhir.repo);
      const sink = new FhirStatusSink({ store });
      const job = {
        patientId: 'SINK1', sessionDate: '2024-05-06', jobName: 'j', fingerprint: 'aaaaaaaaaaaaaaaa', inputBucket: 'b',
        mriKey: 'raw/SINK1/2024-05-06/mri.nii.gz', petKey: 'raw/SINK1/2024-05-06/pet.nii.gz', outputBucket: 'b', outputPrefix: 'preprocessed/SINK1/2024-05-06/',
      };
      // Act
      await sink.update({ job, status: 'requested', at: new Date('2024-05-06T10:00:00Z') });
      await sink.update({ job, status: 'failed', reason: 'registration failed', at: new Date('2024-05-06T10:05:00Z') });
      await sink.update({ job, status: 'failed', reason: 'registration failed', at: new Date('2024-05-06T10:05:00Z') });
      // Assess
      const tasks = await http<Bundle<Task>>('GET', 'Task?code=preprocess-session&status=failed');
      const studies = await http<Bundle>('GET', `ImagingStudy?identifier=${encodeURIComponent(SYSTEMS.imagingSession + '|SINK1/2024-05-06')}`);
      expect(tasks.body.total).toBe(1);
      expect(tasks.body.entry![0].resource!.statusReason?.text).toBe('registration failed');
      expect(tasks.body.entry![0].resource!.meta?.versionId).toBe('2');
      expect(studies.body.total).toBe(1);
    });

    if (reopen) {
      it('a restart keeps the data', async () => {
        // Prepare
        const { body } = await http<Resource>('PUT', `Patient?identifier=${SYSTEM}|restart-1`, patient('restart-1'));
        await server.stop();
        await server.fhir.close();
        // Act
        server = await serveFhir(await reopen());
        const read = await http<Patient>('GET', `Patient/${body.id}`);
        // Assess
        expect(read.status).toBe(200);
        expect(read.body.identifier?.[0]?.value).toBe('restart-1');
      });
    }
  });
}
