import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { ageFrom, formatDate } from '../format';
import { useAsync } from '../hooks/useAsync';
import { href } from '../router';

/** Patients with search; each row: last session with its preprocessing status, last MMSE. */
export function PatientsView() {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  // Search as the user types, but one request per pause, not per key.
  useEffect(() => {
    const timer = setTimeout(() => setSearch(query.trim()), 250);
    return () => clearTimeout(timer);
  }, [query]);
  const [state, reload] = useAsync((signal) => api.listPatients({ search: search || undefined, signal }), [search]);

  return (
    <section aria-labelledby="patients-title">
      <div className="toolbar">
        <h1 id="patients-title">Patients</h1>
        <a className="button" href={href({ view: 'upload' })}>
          Upload a session
        </a>
      </div>
      <form role="search" onSubmit={(e) => (e.preventDefault(), setSearch(query.trim()))}>
        <label htmlFor="patient-search">Search patients</label>
        <input id="patient-search" type="search" value={query} placeholder="Patient id" onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
      </form>
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} title="Could not load patients" />}
      {state.status === 'loading' && !state.data && <Loading what="patients" />}
      {state.data && state.data.patients.length === 0 && (
        <Empty>
          {search ? (
            <p>No patient matches “{search}”.</p>
          ) : (
            <p>
              No patients yet. Import a cohort (<code>npx adni import --csv FILE</code>) or <a href={href({ view: 'upload' })}>upload a session</a>.
            </p>
          )}
        </Empty>
      )}
      {state.data && state.data.patients.length > 0 && (
        <div className="table-wrap">
          <table className="patients" aria-busy={state.status === 'loading'}>
            <caption>
              {state.data.total} patient{state.data.total === 1 ? '' : 's'}
              {search ? ` matching “${search}”` : ''}
              {state.data.total > state.data.patients.length ? ` (first ${state.data.patients.length} shown)` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Patient</th>
                <th scope="col">Sex</th>
                <th scope="col">Age</th>
                <th scope="col">Last session</th>
                <th scope="col">Preprocessing</th>
                <th scope="col">Last MMSE</th>
              </tr>
            </thead>
            <tbody>
              {state.data.patients.map((p) => (
                <tr key={p.patient_id}>
                  <th scope="row">
                    <a href={href({ view: 'patient', patientId: p.patient_id })}>{p.patient_id}</a>
                  </th>
                  <td>{p.sex ?? '—'}</td>
                  <td>{ageFrom(p.birth_date) ?? (p.age_at_baseline ? `${Math.round(p.age_at_baseline.age)} (baseline)` : '—')}</td>
                  <td>{p.last_session ? formatDate(p.last_session.session_date) : '—'}</td>
                  <td>{p.last_session ? <StatusBadge status={p.last_session.status} /> : <StatusBadge status={null} />}</td>
                  <td>{p.last_mmse ? `${p.last_mmse.value} (${formatDate(p.last_mmse.date)})` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
