import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BATCH_EXIT } from '../../batch-image/src/exit-codes.js';
import { jobEnvironment } from '../../shared/core/job-contract.js';
import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';
import type { Logger } from '../../shared/ports/observability.js';
import type { JobStatusUpdate, StatusSink } from '../../shared/ports/status-sink.js';
import { redactId } from '../../shared/util/redact.js';

/** The repository root: job processes run there so `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Exit code the batch entrypoint uses when it failed and already reported `failed` itself. */
export const EXIT_REPORTED_FAILURE = BATCH_EXIT.failedReported;

/** Exit code the batch entrypoint uses when the job ended but its final status could not be reported. */
export const EXIT_UNREPORTED = BATCH_EXIT.unreported;

export interface JobCommand {
  /** Executable (default: this Node). */
  file: string;
  args: string[];
}

export interface LocalJobPoolOptions {
  /** Absolute data dir handed to jobs as `ADNI_DATA_DIR`. */
  dataDir: string;
  /** Reports `failed` when a job process dies without reporting it itself. */
  status: StatusSink;
  logger: Logger;
  /** Jobs running at once; default `os.availableParallelism()`. */
  concurrency?: number;
  /** What to run per job; default the batch entrypoint through tsx. */
  command?: JobCommand;
  /** Extra environment for every job. */
  env?: Record<string, string>;
  /** `inherit` shows the jobs' own log lines on this process's stdout; default `ignore`. */
  jobOutput?: 'inherit' | 'ignore';
  /** How long `close()` waits after SIGTERM before SIGKILL. */
  killGraceMs?: number;
  /**
   * Called for each job that `close()` dropped from the queue or stopped, so it can run again on the next
   * start (the local stack deletes its job marker; the startup scan then resubmits it).
   */
  onAbandoned?: (request: PreprocessJobRequest) => Promise<void>;
  /**
   * The final status a job recorded somewhere the pool can read (the local stack: its status object), asked
   * when the job exits with "could not report the final status" (exit 22): e.g. it wrote `completed` to the
   * store but FHIR was down. That status is relayed to every sink instead of a made-up `failed`.
   */
  reportedStatus?: (request: PreprocessJobRequest, jobId: string) => Promise<JobStatusUpdate | undefined>;
}

/** The default job command: the batch image's entrypoint as a plain Node process. */
export function batchEntrypointCommand(): JobCommand {
  return { file: process.execPath, args: ['--import', 'tsx', 'batch-image/src/main.ts'] };
}

interface QueuedJob {
  jobId: string;
  request: PreprocessJobRequest;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * The local JobSubmitter: runs each preprocessing job as a child process of the batch entrypoint,
 * at most `concurrency` at once, queueing the rest. The job reports its own status; when its process
 * crashes instead (signal, unexpected exit code), the pool reports `failed` with the end of its stderr.
 *
 * @example
 * const pool = new LocalJobPool({ dataDir, status, logger });
 * await pool.submit(request); // returns at once; the job runs when a slot is free
 * await pool.close();         // kills running jobs, drops the queue
 */
export class LocalJobPool implements JobSubmitter {
  readonly concurrency: number;
  private readonly queue: QueuedJob[] = [];
  private readonly running = new Map<string, ChildProcess>();
  private readonly exits = new Set<Promise<void>>();
  private readonly idleWaiters: (() => void)[] = [];
  private sequence = 0;
  private closed = false;

  constructor(private readonly options: LocalJobPoolOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  }

  async submit(request: PreprocessJobRequest): Promise<SubmittedJob> {
    if (this.closed) throw new Error('the local job pool is closed');
    const jobId = `local-${process.pid}-${++this.sequence}-${request.jobName}`;
    this.queue.push({ jobId, request });
    this.options.logger.info('job queued', { jobId, patient: redactId(request.patientId), queued: this.queue.length });
    this.pump();
    return { jobId, provider: 'local' };
  }

  /** Jobs running and waiting. */
  stats(): { running: number; queued: number } {
    return { running: this.running.size, queued: this.queue.length };
  }

  /** Resolves when no job is running or queued (including their status reports). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0 && this.exits.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued jobs, stops running ones (SIGTERM, then SIGKILL) and waits for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const dropped = this.queue.splice(0);
    await Promise.all(dropped.map((job) => this.abandon(job)));
    const grace = this.options.killGraceMs ?? 3000;
    for (const child of this.running.values()) {
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), grace).unref();
    }
    await Promise.all([...this.exits]);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
    this.notifyIfIdle();
  }

  private start(job: QueuedJob): void {
    const { logger } = this.options;
    const command = this.options.command ?? batchEntrypointCommand();
    const env = {
      ...process.env,
      ...this.options.env,
      ...jobEnvironment(job.request),
      ADNI_STORE: 'local',
      ADNI_DATA_DIR: this.options.dataDir,
      ADNI_JOB_ID: job.jobId,
    };
    const output = this.options.jobOutput ?? 'ignore';
    const child = spawn(command.file, command.args, { cwd: REPO_ROOT, env, stdio: ['ignore', output, 'pipe'] });
    this.running.set(job.jobId, child);
    const started = Date.now();
    logger.info('job started', { jobId: job.jobId, pid: child.pid, running: this.running.size });

    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (output === 'inherit') process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const exited = new Promise<void>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (error) => {
        spawnError = error;
      });
      child.once('close', (code, signal) => {
        this.running.delete(job.jobId);
        const ms = Date.now() - started;
        const finish = async () => {
          if (this.closed && code !== 0) return this.abandon(job);
          if (code === 0) {
            logger.info('job finished', { jobId: job.jobId, ms });
            return;
          }
          if (code === EXIT_REPORTED_FAILURE && !spawnError) {
            logger.warn('job failed (reported by the job)', { jobId: job.jobId, ms });
            return;
          }
          if (code === EXIT_UNREPORTED && !spawnError && (await this.relayReportedStatus(job))) return;
          const reason = crashReason({ code, signal, stderr, spawnError });
          logger.error('job process crashed', { jobId: job.jobId, ms, reason });
          await this.options.status
            .update({ job: job.request, jobId: job.jobId, status: 'failed', reason, at: new Date() })
            .catch((error: unknown) => logger.error('could not record a crashed job as failed', { jobId: job.jobId, error: String(error) }));
        };
        void finish().finally(() => {
          this.exits.delete(exited);
          resolve();
          this.pump();
        });
      });
    });
    this.exits.add(exited);
  }

  /** Relays the final status the job recorded but could not report everywhere; false when there is none. */
  private async relayReportedStatus(job: QueuedJob): Promise<boolean> {
    const { logger } = this.options;
    try {
      const update = await this.options.reportedStatus?.(job.request, job.jobId);
      if (!update || (update.status !== 'completed' && update.status !== 'failed')) return false;
      await this.options.status.update(update);
      logger.warn('job could not report its final status everywhere; relayed the one it recorded', { jobId: job.jobId, status: update.status });
      return true;
    } catch (error) {
      logger.error('could not relay the final status a job recorded', { jobId: job.jobId, error: String(error) });
      return false;
    }
  }

  private async abandon(job: QueuedJob): Promise<void> {
    const { logger } = this.options;
    logger.warn('job interrupted by shutdown; it runs again on the next start', { jobId: job.jobId });
    await this.options.status
      .update({ job: job.request, jobId: job.jobId, status: 'failed', reason: 'interrupted because the local stack shut down; it runs again when the stack starts', at: new Date() })
      .catch(() => undefined);
    await this.options.onAbandoned?.(job.request).catch((error: unknown) =>
      logger.error('could not release an interrupted job', { jobId: job.jobId, error: String(error) }),
    );
  }

  private notifyIfIdle(): void {
    if (this.running.size > 0 || this.queue.length > 0 || this.exits.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** A failure reason a user can act on: exit code or signal plus the last meaningful stderr lines, no stack frames. */
export function crashReason(input: {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  spawnError?: Error;
}): string {
  if (input.spawnError) return `job process could not start: ${input.spawnError.message}`;
  const how = input.signal ? `was killed by ${input.signal}` : `exited with code ${input.code}`;
  const prefix = `job process ${how}`;
  const lines = input.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^at\s/.test(l) && !/^\^+$/.test(l) && !/^Node\.js v\d/.test(l));
  const tail = lines.slice(-3).join(' | ').slice(-600);
  return tail ? `${prefix}: ${tail}` : prefix;
}
