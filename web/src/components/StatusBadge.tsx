import type { PreprocessingStatus } from '../api/schemas';

const LABELS: Record<PreprocessingStatus, string> = {
  requested: 'Requested',
  'in-progress': 'In progress',
  completed: 'Completed',
  failed: 'Failed',
};

/** Preprocessing status as a coloured badge; the word is always there, colour is never the only cue. */
export function StatusBadge({ status }: { status: PreprocessingStatus | null | undefined }) {
  if (!status) return <span className="badge badge-none">No imaging</span>;
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}
