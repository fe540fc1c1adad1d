import { useEffect, useRef, useState, type DragEvent } from 'react';
import { ApiError, putWithProgress } from '../api/client';
import { useApi } from '../api/context';
import type { PreprocessingStatus } from '../api/schemas';
import { ErrorState } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatBytes, todayIso } from '../format';
import { href } from '../router';

const PATIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MODALITIES = ['mri', 'pet'] as const;
type Modality = (typeof MODALITIES)[number];
const LABEL: Record<Modality, string> = { mri: 'T1-weighted MRI', pet: 'PET' };

/** What is wrong with the form, field by field (empty when it can be sent). */
export function validateUpload(input: { patientId: string; sessionDate: string; files: Partial<Record<Modality, File>> }): Partial<Record<'patientId' | 'sessionDate' | Modality, string>> {
  const errors: Partial<Record<'patientId' | 'sessionDate' | Modality, string>> = {};
  if (!PATIENT_ID.test(input.patientId) || input.patientId === '.' || input.patientId === '..') errors.patientId = 'Patient id: 1–64 characters of A–Z a–z 0–9 . _ -';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.sessionDate) || Number.isNaN(Date.parse(input.sessionDate))) errors.sessionDate = 'Session date: a date YYYY-MM-DD';
  for (const m of MODALITIES) {
    const file = input.files[m];
    if (!file) errors[m] = `Choose the ${LABEL[m]} file`;
    else if (!file.name.endsWith('.nii.gz')) errors[m] = `${LABEL[m]}: a gzip-compressed NIfTI file (.nii.gz), not “${file.name}”`;
    else if (file.size === 0) errors[m] = `${LABEL[m]}: “${file.name}” is empty`;
  }
  return errors;
}

type Phase =
  | { phase: 'editing' }
  | { phase: 'uploading'; sent: Record<Modality, number> }
  | { phase: 'processing'; status: PreprocessingStatus | undefined; reason?: string | null }
  | { phase: 'error'; error: Error };

/** Drag-and-drop an MRI and a PET, PUT them straight to storage, then follow preprocessing live. */
export function UploadView({ patientId: initialPatient, sessionDate: initialDate }: { patientId?: string; sessionDate?: string }) {
  const api = useApi();
  const [patientId, setPatientId] = useState(initialPatient ?? '');
  const [sessionDate, setSessionDate] = useState(initialDate ?? todayIso());
  const [files, setFiles] = useState<Partial<Record<Modality, File>>>({});
  const [touched, setTouched] = useState(false);
  const [phase, setPhase] = useState<Phase>({ phase: 'editing' });
  const abort = useRef<AbortController | undefined>(undefined);
  const errors = validateUpload({ patientId, sessionDate, files });
  const busy = phase.phase === 'uploading' || (phase.phase === 'processing' && (phase.status === undefined || phase.status === 'requested' || phase.status === 'in-progress'));

  useEffect(() => () => abort.current?.abort(), []);

  // Live status after the upload: poll until the session is completed or failed.
  useEffect(() => {
    if (phase.phase !== 'processing' || phase.status === 'completed' || phase.status === 'failed') return;
    const controller = new AbortController();
    const timer = setInterval(async () => {
      try {
        const status = await api.getStatus(patientId, controller.signal);
        const session = status.sessions.find((s) => s.session_date === sessionDate);
        if (session && !controller.signal.aborted) setPhase({ phase: 'processing', status: session.status ?? undefined, reason: session.error });
      } catch (error) {
        // The patient may not be known to the status route until the upload event has been handled.
        if (error instanceof ApiError && error.status === 404) return;
        if (!controller.signal.aborted) setPhase({ phase: 'error', error: error as Error });
      }
    }, 1500);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [api, phase, patientId, sessionDate]);

  const submit = async () => {
    setTouched(true);
    if (Object.keys(errors).length > 0) return;
    abort.current = new AbortController();
    const sent = { mri: 0, pet: 0 };
    setPhase({ phase: 'uploading', sent: { ...sent } });
    try {
      const grant = await api.requestUpload(patientId, sessionDate, [...MODALITIES], { mri: files.mri!.size, pet: files.pet!.size });
      await Promise.all(
        MODALITIES.map((m) => {
          const target = grant.uploads[m];
          if (!target) throw new ApiError(`the server gave no upload URL for the ${LABEL[m]}`, 0, 'bad_response');
          return putWithProgress(target, files[m]!, (n) => {
            sent[m] = n;
            setPhase({ phase: 'uploading', sent: { ...sent } });
          }, abort.current!.signal);
        }),
      );
      setPhase({ phase: 'processing', status: undefined });
    } catch (error) {
      abort.current.abort();
      setPhase({ phase: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    }
  };

  const choose = (m: Modality, file: File | undefined) => setFiles((f) => ({ ...f, [m]: file }));

  return (
    <section aria-labelledby="upload-title">
      <p>
        <a href={href(initialPatient ? { view: 'patient', patientId: initialPatient } : { view: 'patients' })}>← Back</a>
      </p>
      <h1 id="upload-title">Upload an imaging session</h1>
      <form
        className="card upload-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="fields">
          <label>
            Patient id
            <input name="patient" value={patientId} onChange={(e) => setPatientId(e.target.value.trim())} disabled={busy} aria-invalid={touched && !!errors.patientId} required />
          </label>
          <label>
            Session date
            <input name="session" type="date" value={sessionDate} onChange={(e) => setSessionDate(e.target.value)} disabled={busy} aria-invalid={touched && !!errors.sessionDate} required />
          </label>
        </div>
        <div className="dropzones">
          {MODALITIES.map((m) => (
            <DropZone
              key={m}
              modality={m}
              file={files[m]}
              disabled={busy}
              progress={phase.phase === 'uploading' && files[m] ? phase.sent[m] / files[m]!.size : phase.phase === 'processing' ? 1 : undefined}
              onFile={(file) => choose(m, file)}
            />
          ))}
        </div>
        {touched && Object.keys(errors).length > 0 && (
          <ul className="form-errors" role="alert">
            {Object.values(errors).map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={busy}>
          {phase.phase === 'uploading' ? 'Uploading…' : 'Upload and preprocess'}
        </button>
      </form>
      <div aria-live="polite" className="upload-outcome">
        {phase.phase === 'error' && <ErrorState error={phase.error} title="Upload failed" onRetry={() => setPhase({ phase: 'editing' })} />}
        {phase.phase === 'processing' && (
          <div className="card" data-testid="upload-status">
            <p>
              Uploaded. Preprocessing: <StatusBadge status={phase.status ?? 'requested'} />
            </p>
            {phase.status === 'failed' && (
              <p className="failure">
                <strong>Failed:</strong> {phase.reason ?? 'no reason was recorded'}
              </p>
            )}
            {phase.status === 'completed' && (
              <p className="links">
                <a href={href({ view: 'viewer', patientId, sessionDate })}>View images</a>
                <a href={href({ view: 'patient', patientId })}>Patient dashboard</a>
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

function DropZone({ modality, file, disabled, progress, onFile }: { modality: Modality; file?: File; disabled: boolean; progress?: number; onFile: (file: File | undefined) => void }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = `file-${modality}`;
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) onFile(event.dataTransfer.files[0]);
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid={`dropzone-${modality}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <label htmlFor={id}>
        <strong>{LABEL[modality]}</strong> (.nii.gz): drop the file here or <span className="linkish">choose it</span>
      </label>
      <input ref={input} id={id} name={modality} type="file" accept=".nii.gz,.gz,application/gzip" disabled={disabled} onChange={(e) => onFile(e.target.files?.[0])} />
      {file && (
        <p className="file-name">
          {file.name} · {formatBytes(file.size)}
        </p>
      )}
      {progress !== undefined && (
        <progress max={1} value={Math.min(1, progress)} aria-label={`${LABEL[modality]} upload progress`}>
          {Math.round(100 * progress)} %
        </progress>
      )}
    </div>
  );
}
