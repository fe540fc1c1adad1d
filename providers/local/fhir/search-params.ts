import type { Resource } from '@medplum/fhirtypes';

export type SearchParamType = 'token' | 'reference' | 'date' | 'string';

/** One search parameter the embedded server indexes: its type and the element paths its values come from. */
export interface IndexedParam {
  type: SearchParamType;
  /** Dotted element paths; arrays are walked. */
  paths: string[];
  /** For reference parameters: only targets of this resource type (e.g. `patient` = subject that is a Patient). */
  targetType?: string;
}

export interface TokenValue {
  system?: string;
  value?: string;
}

export interface DateRange {
  start: string;
  end: string;
}

/** Extracted values of one resource, by parameter type. */
export interface ExtractedValues {
  token: { code: string; system: string | null; value: string | null }[];
  reference: { code: string; target: string }[];
  date: { code: string; start: string; end: string }[];
  string: { code: string; value: string }[];
}

const identifier: IndexedParam = { type: 'token', paths: ['identifier'] };
const subject: IndexedParam = { type: 'reference', paths: ['subject'] };
const patientOfSubject: IndexedParam = { type: 'reference', paths: ['subject'], targetType: 'Patient' };

/**
 * The parameters this server indexes, by resource type (FHIR R4 search parameter codes and meanings).
 * Searching on anything else is a 400 that names the parameter, never a silent full scan.
 */
export const INDEXED_PARAMS: Record<string, Record<string, IndexedParam>> = {
  Patient: {
    identifier,
    gender: { type: 'token', paths: ['gender'] },
    birthdate: { type: 'date', paths: ['birthDate'] },
    name: { type: 'string', paths: ['name.family', 'name.given', 'name.text'] },
    family: { type: 'string', paths: ['name.family'] },
    active: { type: 'token', paths: ['active'] },
  },
  Observation: {
    identifier,
    subject,
    patient: patientOfSubject,
    focus: { type: 'reference', paths: ['focus'] },
    'based-on': { type: 'reference', paths: ['basedOn'] },
    'part-of': { type: 'reference', paths: ['partOf'] },
    'derived-from': { type: 'reference', paths: ['derivedFrom'] },
    code: { type: 'token', paths: ['code'] },
    category: { type: 'token', paths: ['category'] },
    status: { type: 'token', paths: ['status'] },
    date: { type: 'date', paths: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant'] },
  },
  ImagingStudy: {
    identifier,
    subject,
    patient: patientOfSubject,
    status: { type: 'token', paths: ['status'] },
    started: { type: 'date', paths: ['started'] },
    modality: { type: 'token', paths: ['modality', 'series.modality'] },
  },
  Task: {
    identifier,
    focus: { type: 'reference', paths: ['focus'] },
    subject: { type: 'reference', paths: ['for'] },
    patient: { type: 'reference', paths: ['for'], targetType: 'Patient' },
    'based-on': { type: 'reference', paths: ['basedOn'] },
    code: { type: 'token', paths: ['code'] },
    status: { type: 'token', paths: ['status'] },
    'business-status': { type: 'token', paths: ['businessStatus'] },
    'authored-on': { type: 'date', paths: ['authoredOn'] },
    modified: { type: 'date', paths: ['lastModified'] },
  },
  RiskAssessment: {
    identifier,
    subject,
    patient: patientOfSubject,
    status: { type: 'token', paths: ['status'] },
    date: { type: 'date', paths: ['occurrenceDateTime'] },
    method: { type: 'token', paths: ['method'] },
  },
  DiagnosticReport: {
    identifier,
    subject,
    patient: patientOfSubject,
    code: { type: 'token', paths: ['code'] },
    status: { type: 'token', paths: ['status'] },
    date: { type: 'date', paths: ['effectiveDateTime', 'effectivePeriod'] },
    result: { type: 'reference', paths: ['result'] },
  },
  Condition: {
    identifier,
    subject,
    patient: patientOfSubject,
    code: { type: 'token', paths: ['code'] },
    'onset-date': { type: 'date', paths: ['onsetDateTime', 'onsetPeriod'] },
  },
  DocumentReference: {
    identifier,
    subject,
    patient: patientOfSubject,
    status: { type: 'token', paths: ['status'] },
    date: { type: 'date', paths: ['date'] },
  },
};

/** Types any resource of a listed type may be searched on beyond these: `_id`, `_lastUpdated` (columns). */
export const COMMON_PARAMS = ['_id', '_lastUpdated'] as const;

/**
 * The definition of a search parameter, or undefined when this server does not index it.
 *
 * @example
 * indexedParam('Observation', 'subject') // { type: 'reference', paths: ['subject'] }
 */
export function indexedParam(resourceType: string, code: string): IndexedParam | undefined {
  return INDEXED_PARAMS[resourceType]?.[code];
}

/**
 * Every indexed value of a resource, ready for the search tables.
 *
 * @example
 * extractSearchValues({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }).token
 * // [{ code: 'status', system: null, value: 'final' }]
 */
export function extractSearchValues(resource: Resource): ExtractedValues {
  const out: ExtractedValues = { token: [], reference: [], date: [], string: [] };
  const params = INDEXED_PARAMS[resource.resourceType] ?? {};
  for (const [code, param] of Object.entries(params)) {
    const elements = param.paths.flatMap((p) => walk(resource, p.split('.')));
    for (const element of elements) {
      switch (param.type) {
        case 'token':
          for (const t of tokensOf(element)) out.token.push({ code, system: t.system ?? null, value: t.value ?? null });
          break;
        case 'reference': {
          const target = (element as { reference?: string })?.reference;
          if (typeof target !== 'string') break;
          if (param.targetType && !target.startsWith(param.targetType + '/')) break;
          out.reference.push({ code, target });
          break;
        }
        case 'date': {
          const range = dateRangeOf(element);
          if (range) out.date.push({ code, ...range });
          break;
        }
        case 'string':
          if (typeof element === 'string' && element.length > 0) out.string.push({ code, value: element });
          break;
      }
    }
  }
  return out;
}

function walk(node: unknown, path: string[]): unknown[] {
  if (node === undefined || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((n) => walk(n, path));
  if (path.length === 0) return [node];
  if (typeof node !== 'object') return [];
  return walk((node as Record<string, unknown>)[path[0]], path.slice(1));
}

/** Token values of an element: code, boolean, Coding, CodeableConcept or Identifier. */
function tokensOf(element: unknown): TokenValue[] {
  if (typeof element === 'string') return [{ value: element }];
  if (typeof element === 'boolean') return [{ value: String(element) }];
  if (!element || typeof element !== 'object') return [];
  const e = element as { coding?: { system?: string; code?: string }[]; system?: string; code?: string; value?: string };
  if (Array.isArray(e.coding)) return e.coding.map((c) => ({ system: c.system, value: c.code }));
  if (typeof e.code === 'string') return [{ system: e.system, value: e.code }];
  if (typeof e.value === 'string') return [{ system: e.system, value: e.value }];
  return [];
}

function dateRangeOf(element: unknown): DateRange | undefined {
  if (typeof element === 'string') return dateRange(element);
  if (element && typeof element === 'object') {
    const p = element as { start?: string; end?: string };
    const start = p.start ? dateRange(p.start)?.start : '0001-01-01T00:00:00.000Z';
    const end = p.end ? dateRange(p.end)?.end : '9999-12-31T23:59:59.999Z';
    if (start && end) return { start, end };
  }
  return undefined;
}

/**
 * The instant range a FHIR date/dateTime/instant covers: `2024` is the whole year, `2024-03-01` the whole day
 * (UTC when no zone is given). Undefined when the text is not a FHIR date.
 *
 * @example
 * dateRange('2024-03') // { start: '2024-03-01T00:00:00.000Z', end: '2024-03-31T23:59:59.999Z' }
 */
export function dateRange(text: string): DateRange | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  if (h !== undefined) {
    const zone = m[8] ?? 'Z';
    const seconds = m[6] ?? '00';
    const start = new Date(`${y}-${mo}-${d}T${h}:${mi}:${seconds}${m[7] ?? ''}${zone}`);
    if (Number.isNaN(start.getTime())) return undefined;
    const precisionMs = m[7] ? 1 : m[6] ? 1000 : 60_000;
    return { start: start.toISOString(), end: new Date(start.getTime() + precisionMs - 1).toISOString() };
  }
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  const day = d === undefined ? undefined : Number(d);
  const start = Date.UTC(year, month ?? 0, day ?? 1);
  const end =
    day !== undefined
      ? Date.UTC(year, month!, day + 1)
      : month !== undefined
        ? Date.UTC(year, month + 1, 1)
        : Date.UTC(year + 1, 0, 1);
  const check = new Date(start);
  if (month !== undefined && check.getUTCMonth() !== month) return undefined;
  if (day !== undefined && check.getUTCDate() !== day) return undefined;
  return { start: new Date(start).toISOString(), end: new Date(end - 1).toISOString() };
}
