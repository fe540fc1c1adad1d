import { useEffect, useState } from 'react';

/** The dashboard's views; hash routes so static hosting (S3 + CloudFront) needs no rewrite rules. */
export type Route =
  | { view: 'patients' }
  | { view: 'patient'; patientId: string }
  | { view: 'viewer'; patientId: string; sessionDate: string }
  | { view: 'upload'; patientId?: string; sessionDate?: string }
  | { view: 'not-found'; path: string };

/**
 * Parses `#/...` into a route.
 *
 * @example
 * parseRoute('#/patients/P001/sessions/2024-03-01') // { view: 'viewer', patientId: 'P001', sessionDate: '2024-03-01' }
 */
export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'patients')) return { view: 'patients' };
  if (parts[0] === 'patients' && parts.length === 2) return { view: 'patient', patientId: parts[1] };
  if (parts[0] === 'patients' && parts.length === 4 && parts[2] === 'sessions') return { view: 'viewer', patientId: parts[1], sessionDate: parts[3] };
  if (parts[0] === 'upload' && parts.length === 1) {
    return { view: 'upload', patientId: params.get('patient') ?? undefined, sessionDate: params.get('session') ?? undefined };
  }
  return { view: 'not-found', path };
}

/** The href of a route. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.view) {
    case 'patients':
      return '#/';
    case 'patient':
      return `#/patients/${e(route.patientId)}`;
    case 'viewer':
      return `#/patients/${e(route.patientId)}/sessions/${e(route.sessionDate)}`;
    case 'upload': {
      const q = new URLSearchParams();
      if (route.patientId) q.set('patient', route.patientId);
      if (route.sessionDate) q.set('session', route.sessionDate);
      const s = q.toString();
      return `#/upload${s ? `?${s}` : ''}`;
    }
    default:
      return '#/';
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
