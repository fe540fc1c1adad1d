import type { Scope } from './principal.js';

/** One row of the scope table: a method set, a path pattern, and the scope it needs. */
export interface ScopeRule {
  methods: readonly string[] | '*';
  path: RegExp;
  scope: Scope;
}

const READS = ['GET', 'HEAD'];

/**
 * Which scope each route needs. A route that matches no row still needs a valid credential (deny by default:
 * a new route is never public by accident); it just needs no particular scope.
 */
export const ROUTE_SCOPES: readonly ScopeRule[] = [
  { methods: ['POST'], path: /^\/predict-progression(\/batch)?\/?$/, scope: 'predict' },
  { methods: ['POST'], path: /^\/uploads\/?$/, scope: 'upload' },
  { methods: ['POST'], path: /^\/(reprocess|backfill)\/?$/, scope: 'upload' },
  { methods: READS, path: /^\/(patients|patient-timeline|preprocessing-status|outputs|local-status)(\/|$)/, scope: 'read:patients' },
  { methods: READS, path: /^\/fhir\/R4(\/|$)/, scope: 'read:patients' },
  { methods: '*', path: /^\/fhir\/R4(\/|$)/, scope: 'write:patients' },
];

/**
 * The scope a request needs, or `undefined` when any authenticated caller may make it.
 *
 * @example
 * requiredScope('POST', '/predict-progression') // 'predict'
 * requiredScope('PUT', '/fhir/R4/Patient/P1')   // 'write:patients'
 */
export function requiredScope(method: string, path: string, rules: readonly ScopeRule[] = ROUTE_SCOPES): Scope | undefined {
  const m = method.toUpperCase();
  return rules.find((r) => (r.methods === '*' || r.methods.includes(m)) && r.path.test(path))?.scope;
}
