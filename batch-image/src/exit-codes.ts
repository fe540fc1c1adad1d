/**
 * Exit codes of the batch entrypoint. Distinct from 1 on purpose: Node exits with 1 on an uncaught
 * exception, and the local pool must tell "failed and reported it" from "crashed before it could".
 */
export const BATCH_EXIT = {
  completed: 0,
  /** The job failed and reported `failed` with a reason itself. */
  failedReported: 20,
  /** The environment or configuration is invalid; there was no job to report on. */
  badConfig: 21,
  /** The job ended but its final status could not be reported. */
  unreported: 22,
} as const;
