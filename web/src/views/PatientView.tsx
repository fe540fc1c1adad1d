import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useApi } from '../api/context';
import type { Prediction, PreprocessingStatus, PreprocessingStatusResponse, RoiSummary, Timeline } from '../api/schemas';
import { ScoreCharts } from '../components/ScoreCharts';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { scoreOf } from '../chart-data';
import { ageFrom, formatDate, formatDateTime } from '../format';
import { useAsync, useInterval } from '../hooks/useAsync';
import { href } from '../router';

/** One row of the timeline: a visit's scores and/or an imaging session's preprocessing. */
export interface TimelineRow {
  date: string;
  scores: { mmse?: number; cdrsb?: number; adas13?: number };
  status?: PreprocessingStatus | null;
  reason?: string | null;
  updatedAt?: string | null;
  roi?: RoiSummary | null;
  imaging: boolean;
}

/**
 * Timeline entries and preprocessing-status sessions merged by date, newest first. Status comes from the
 * status route when it has the session (it carries the failure reason and times), else from the timeline.
 */
export function timelineRows(timeline: Timeline | undefined, status: PreprocessingStatusResponse | undefined): TimelineRow[] {
  const rows = new Map<string, TimelineRow>();
  const row = (date: string) => {
    const day = date.slice(0, 10);
    let r = rows.get(day);
    if (!r) rows.set(day, (r = { date: day, scores: {}, imaging: false }));
    return r;
  };
  for (const entry of timeline?.timeline ?? []) {
    const r = row(entry.date);
    r.scores = { mmse: scoreOf(entry, 'mmse'), cdrsb: scoreOf(entry, 'cdrsb'), adas13: scoreOf(entry, 'adas13') };
    if (entry.imaging) {
      r.imaging = true;
      r.status = entry.imaging.status;
      r.reason = entry.imaging.error;
      r.roi = entry.imaging.roi;
    }
  }
  for (const session of status?.sessions ?? []) {
    const r = row(session.session_date);
    r.imaging = true;
    r.status = session.status ?? r.status;
    r.reason = session.error ?? r.reason;
    r.updatedAt = session.updated_at;
  }
  return [...rows.values()].sort((a, b) => b.date.localeCompare(a.date));
}

const ACTIVE: (PreprocessingStatus | null | undefined)[] = ['requested', 'in-progress'];

/** The patient dashboard: demographics, prediction, score charts and the session timeline. */
export function PatientView({ patientId }: { patientId: string }) {
  const api = useApi();
  const [timeline, reloadTimeline] = useAsync((signal) => api.getTimeline(patientId, signal), [patientId]);
  const [status, reloadStatus] = useAsync((signal) => api.getStatus(patientId, signal), [patientId]);
  // The list row carries the age at baseline (imported cohorts have no birth date); optional, so errors are ignored.
  const [summary] = useAsync((signal) => api.listPatients({ search: patientId, signal }).then((r) => r.patients.find((p) => p.patient_id === patientId)), [patientId]);
  const rows = useMemo(() => timelineRows(timeline.data, status.data), [timeline.data, status.data]);
  const [prediction, setPrediction] = useState<{ state: 'idle' | 'running' } | { state: 'ok'; value: Prediction } | { state: 'error'; error: Error }>({ state: 'idle' });

  // Live status while a session is being preprocessed; when it ends, the timeline (ROI summary) is read again.
  const active = rows.some((r) => ACTIVE.includes(r.status));
  useInterval(reloadStatus, 2000, active);
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) reloadTimeline();
    wasActive.current = active;
  }, [active, reloadTimeline]);

  const predict = async () => {
    setPrediction({ state: 'running' });
    try {
      setPrediction({ state: 'ok', value: await api.predict(patientId) });
    } catch (error) {
      setPrediction({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  };

  if (timeline.status === 'error' && timeline.error instanceof ApiError && timeline.error.status === 404) {
    return (
      <section>
        <p>
          <a href={href({ view: 'patients' })}>← Patients</a>
        </p>
        <ErrorState error={timeline.error} title={`Patient ${patientId} was not found`} />
      </section>
    );
  }

  const p = timeline.data?.patient;
  const lastMmse = timeline.data?.timeline.filter((e) => typeof e.scores?.mmse === 'number').at(-1);
  const age = ageFrom(p?.birth_date);
  return (
    <section aria-labelledby="patient-title">
      <p>
        <a href={href({ view: 'patients' })}>← Patients</a>
      </p>
      <div className="toolbar">
        <h1 id="patient-title">Patient {patientId}</h1>
        <a className="button" href={href({ view: 'upload', patientId })}>
          Upload a session
        </a>
      </div>

      <section aria-labelledby="demographics-title" className="card">
        <h2 id="demographics-title">Demographics</h2>
        {timeline.status === 'loading' && !p && <Loading what="demographics" />}
        {timeline.status === 'error' && <ErrorState error={timeline.error} onRetry={reloadTimeline} title="Could not load the patient record" />}
        {p && (
          <dl className="facts">
            <dt>Sex</dt>
            <dd>{p.sex ?? '—'}</dd>
            <dt>Age</dt>
            <dd>
              {age ?? (summary.data?.age_at_baseline ? `${summary.data.age_at_baseline.age} at baseline (${formatDate(summary.data.age_at_baseline.date)})` : '—')}
            </dd>
            <dt>Birth date</dt>
            <dd>{p.birth_date ?? '—'}</dd>
            <dt>Education</dt>
            <dd>{p.education_years != null ? `${p.education_years} years` : '—'}</dd>
            <dt>APOE ε4 alleles</dt>
            <dd>{p.apoe4 ?? '—'}</dd>
            <dt>Last MMSE</dt>
            <dd>{lastMmse ? `${lastMmse.scores!.mmse} (${formatDate(lastMmse.date)})` : '—'}</dd>
          </dl>
        )}
      </section>

      <section aria-labelledby="scores-title" className="card">
        <div className="toolbar">
          <h2 id="scores-title">Cognitive scores</h2>
          <button type="button" onClick={predict} disabled={prediction.state === 'running'} aria-describedby="predict-help">
            {prediction.state === 'running' ? 'Predicting…' : 'Predict progression'}
          </button>
        </div>
        <p id="predict-help" className="muted">
          Forecasts MMSE, CDR-SB and ADAS-Cog 13 at 6–36 months with an 80 % interval.
        </p>
        <div aria-live="polite">
          {prediction.state === 'error' && <ErrorState error={prediction.error} onRetry={predict} title="Prediction failed" />}
          {prediction.state === 'ok' && <ModelFacts prediction={prediction.value} />}
        </div>
        {timeline.status === 'loading' && !timeline.data && <Loading what="scores" />}
        {timeline.data && <ScoreCharts entries={timeline.data.timeline} prediction={prediction.state === 'ok' ? prediction.value : undefined} />}
      </section>

      <section aria-labelledby="timeline-title" className="card">
        <h2 id="timeline-title">Timeline</h2>
        {status.status === 'error' && <ErrorState error={status.error} onRetry={reloadStatus} title="Could not load preprocessing status" />}
        {(timeline.status === 'loading' || status.status === 'loading') && rows.length === 0 && <Loading what="sessions" />}
        {timeline.status !== 'loading' && status.status !== 'loading' && rows.length === 0 && (
          <Empty>
            <p>
              No visits or imaging sessions yet. <a href={href({ view: 'upload', patientId })}>Upload an MRI and a PET</a>.
            </p>
          </Empty>
        )}
        {rows.length > 0 && (
          <ol className="timeline" aria-label="Sessions, newest first">
            {rows.map((r) => (
              <li key={r.date} className="timeline-item" data-date={r.date}>
                <div className="timeline-head">
                  <time dateTime={r.date}>{formatDate(r.date)}</time>
                  {r.imaging ? <StatusBadge status={r.status} /> : <span className="badge badge-none">Clinical visit</span>}
                </div>
                <p className="scores">
                  {r.scores.mmse !== undefined && <span>MMSE {r.scores.mmse}</span>}
                  {r.scores.cdrsb !== undefined && <span>CDR-SB {r.scores.cdrsb}</span>}
                  {r.scores.adas13 !== undefined && <span>ADAS13 {r.scores.adas13}</span>}
                </p>
                {r.status === 'failed' && (
                  <p className="failure" role="note">
                    <strong>Failed:</strong> {r.reason ?? 'no reason was recorded'}
                  </p>
                )}
                {r.roi && (
                  <p className="roi muted">
                    Brain {(r.roi.brain_volume_mm3 / 1000).toFixed(0)} cm³ · ICV {(r.roi.icv_mm3 / 1000).toFixed(0)} cm³
                    {r.roi.hippocampus_mm3 != null && ` · hippocampi ${(r.roi.hippocampus_mm3 / 1000).toFixed(2)} cm³`}
                    {r.roi.mean_suvr != null && ` · mean SUVR ${r.roi.mean_suvr.toFixed(2)}`}
                  </p>
                )}
                {r.updatedAt && <p className="muted">Updated {formatDateTime(r.updatedAt)}</p>}
                {r.status === 'completed' && (
                  <p className="links">
                    <a href={href({ view: 'viewer', patientId, sessionDate: r.date })}>View images</a>
                    <a href={api.outputHref(patientId, r.date, 'qc/index.html')} target="_blank" rel="noreferrer">
                      QC report
                    </a>
                    <a href={api.outputHref(patientId, r.date, 'roi_features.json')} target="_blank" rel="noreferrer">
                      ROI features
                    </a>
                  </p>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}

/** Which model answered, on what device, and what it was trained on (never hidden). */
function ModelFacts({ prediction }: { prediction: Prediction }) {
  return (
    <div className="model-facts" data-testid="model-facts">
      <p>
        Model <strong>{prediction.model.name}</strong> version <strong>{prediction.model.version}</strong> on <strong>{prediction.device}</strong>, from{' '}
        {prediction.inputs.sessions} session{prediction.inputs.sessions === 1 ? '' : 's'} up to {formatDate(prediction.inputs.lastSessionDate)} ({prediction.processing_time_ms} ms).
      </p>
      <p className="training-statement" role="note">
        <strong>Trained on {prediction.model.trainedOn === 'simulated' ? 'simulated data' : prediction.model.trainedOn}:</strong> {prediction.model.statement}
      </p>
    </div>
  );
}
