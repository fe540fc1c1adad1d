import { OperationOutcomeError, badRequest, type Filter, type SearchRequest } from '@medplum/core';
import { dateRange, indexedParam } from './search-params.js';

/** The default and largest page sizes of a search. */
export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

export interface SearchSql {
  /** Selects `content` and `total` (the count over all pages), one page. */
  sql: string;
  params: unknown[];
  count: number;
  offset: number;
}

/**
 * Translates a parsed FHIR search into one SQL query over the resource table and the search tables.
 * Unknown parameters and unsupported modifiers are a 400 that says which, never ignored.
 *
 * @example
 * buildSearchSql(parseSearchRequest('Observation?subject=Patient/1&_sort=-date'))
 */
export function buildSearchSql(search: SearchRequest): SearchSql {
  const params: unknown[] = [search.resourceType];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['r.resource_type = $1', 'NOT r.deleted'];
  for (const filter of search.filters ?? []) where.push(filterSql(search.resourceType, filter, p));

  const order: string[] = [];
  for (const rule of search.sortRules ?? []) {
    const dir = rule.descending ? 'DESC' : 'ASC';
    if (rule.code === '_id') order.push(`r.id ${dir}`);
    else if (rule.code === '_lastUpdated') order.push(`r.last_updated ${dir}`);
    else {
      const param = indexedParam(search.resourceType, rule.code);
      if (!param) throw unsupported(`cannot sort ${search.resourceType} by "${rule.code}": not an indexed parameter`);
      const key = sortKey(param.type, rule.descending === true);
      order.push(
        `(SELECT ${key} FROM ${tableOf(param.type)} s WHERE s.resource_type = r.resource_type AND s.id = r.id AND s.code = ${p(rule.code)}) ${dir} NULLS LAST`,
      );
    }
  }
  order.push('r.last_updated DESC', 'r.id ASC'); // stable pages

  const count = Math.min(Math.max(search.count ?? DEFAULT_COUNT, 0), MAX_COUNT);
  const offset = Math.max(search.offset ?? 0, 0);
  const sql = `SELECT r.content, count(*) OVER () AS total FROM fhir_resource r WHERE ${where.join(' AND ')}
    ORDER BY ${order.join(', ')} LIMIT ${count} OFFSET ${offset}`;
  return { sql, params, count, offset };
}

/** The SQL that counts matches only (`_summary=count`, or a `_count=0` page). */
export function buildCountSql(search: SearchRequest): { sql: string; params: unknown[] } {
  const built = buildSearchSql({ ...search, sortRules: undefined, count: 1, offset: 0 });
  const where = built.sql.slice(built.sql.indexOf('WHERE'), built.sql.indexOf('ORDER BY'));
  return { sql: `SELECT count(*)::int AS total FROM fhir_resource r ${where}`, params: built.params };
}

function sortKey(type: string, descending: boolean): string {
  if (type === 'date') return descending ? 'max(s.end_at)' : 'min(s.start_at)';
  if (type === 'reference') return descending ? 'max(s.target)' : 'min(s.target)';
  return descending ? 'max(s.value)' : 'min(s.value)';
}

function tableOf(type: string): string {
  return `fhir_${type}`;
}

type Bind = (value: unknown) => string;

function filterSql(resourceType: string, filter: Filter, p: Bind): string {
  const { code, operator } = filter;
  if (code === '_id') {
    const ids = filter.value.split(',');
    const clause = `r.id IN (${ids.map((id) => p(id)).join(', ')})`;
    if (operator === 'eq') return clause;
    if (operator === 'ne' || operator === 'not') return `NOT ${clause}`;
    throw unsupported(`modifier/prefix "${operator}" is not supported on _id`);
  }
  if (code === '_lastUpdated') return dateCondition('r.last_updated', 'r.last_updated', filter, p);

  const param = indexedParam(resourceType, code);
  if (!param) throw unsupported(`search parameter "${code}" is not indexed for ${resourceType}`);
  const table = tableOf(param.type);
  const owner = `s.resource_type = r.resource_type AND s.id = r.id AND s.code = ${p(code)}`;

  if (operator === 'missing' || operator === 'present') {
    const wantMissing = (operator === 'missing') === (filter.value === 'true');
    return `${wantMissing ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} s WHERE ${owner})`;
  }

  let condition: string;
  let negate = false;
  switch (param.type) {
    case 'token': {
      if (operator !== 'eq' && operator !== 'not' && operator !== 'ne') throw unsupported(`modifier "${operator}" is not supported on token "${code}"`);
      negate = operator !== 'eq';
      condition = anyOf(filter.value.split(','), (v) => tokenCondition(v, p));
      break;
    }
    case 'reference': {
      if (operator !== 'eq' && operator !== 'not' && operator !== 'ne') throw unsupported(`modifier "${operator}" is not supported on reference "${code}"`);
      negate = operator !== 'eq';
      condition = anyOf(filter.value.split(','), (v) =>
        v.includes('/') ? `s.target = ${p(v)}` : `split_part(s.target, '/', 2) = ${p(v)}`,
      );
      break;
    }
    case 'string': {
      const values = filter.value.split(',');
      if (operator === 'exact') condition = anyOf(values, (v) => `s.value = ${p(v)}`);
      else if (operator === 'contains') condition = anyOf(values, (v) => `lower(s.value) LIKE ${p('%' + escapeLike(v.toLowerCase()) + '%')}`);
      else if (operator === 'eq') condition = anyOf(values, (v) => `lower(s.value) LIKE ${p(escapeLike(v.toLowerCase()) + '%')}`);
      else throw unsupported(`modifier "${operator}" is not supported on string "${code}"`);
      break;
    }
    case 'date':
      return `EXISTS (SELECT 1 FROM ${table} s WHERE ${owner} AND ${dateCondition('s.start_at', 's.end_at', filter, p)})`;
  }
  return `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} s WHERE ${owner} AND (${condition}))`;
}

function anyOf(values: string[], each: (v: string) => string): string {
  return values.map((v) => `(${each(v)})`).join(' OR ');
}

/** `system|code`, `|code` (no system), `system|` (any code of the system), `code` (any system). */
function tokenCondition(text: string, p: Bind): string {
  const bar = text.indexOf('|');
  if (bar < 0) return `s.value = ${p(text)}`;
  const system = text.slice(0, bar);
  const value = text.slice(bar + 1);
  if (system === '') return `s.system IS NULL AND s.value = ${p(value)}`;
  if (value === '') return `s.system = ${p(system)}`;
  return `s.value = ${p(value)} AND s.system = ${p(system)}`;
}

/** FHIR date prefixes over the range the stored value covers. */
function dateCondition(startCol: string, endCol: string, given: Filter, p: Bind): string {
  // parseSearchRequest only splits the prefix off when it knows the parameter is a date, which it does
  // not without Medplum's search-parameter bundle loaded: split it here.
  const prefixed = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(\d.*)$/.exec(given.value);
  const filter = prefixed && given.operator === 'eq' ? { ...given, operator: prefixed[1] as Filter['operator'], value: prefixed[2] } : given;
  const range = dateRange(filter.value);
  if (!range) throw unsupported(`"${filter.value}" is not a FHIR date for "${filter.code}"`);
  // Bind only the bounds a prefix uses: PostgreSQL rejects parameters a statement does not reference.
  let qsBound: string | undefined;
  let qeBound: string | undefined;
  const bounds = {
    get qs() {
      return (qsBound ??= `${p(range.start)}::timestamptz`);
    },
    get qe() {
      return (qeBound ??= `${p(range.end)}::timestamptz`);
    },
  };
  switch (filter.operator) {
    case 'eq':
    case 'ap':
      return `(${startCol} >= ${bounds.qs} AND ${endCol} <= ${bounds.qe})`;
    case 'ne':
      return `NOT (${startCol} >= ${bounds.qs} AND ${endCol} <= ${bounds.qe})`;
    case 'gt':
      return `${endCol} > ${bounds.qe}`;
    case 'ge':
      return `${endCol} >= ${bounds.qs}`;
    case 'lt':
      return `${startCol} < ${bounds.qs}`;
    case 'le':
      return `${startCol} <= ${bounds.qe}`;
    case 'sa':
      return `${startCol} > ${bounds.qe}`;
    case 'eb':
      return `${endCol} < ${bounds.qs}`;
    default:
      throw unsupported(`prefix/modifier "${filter.operator}" is not supported on date "${filter.code}"`);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

function unsupported(message: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message));
}
