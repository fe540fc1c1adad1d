import type { JobSubmitter, PreprocessJobRequest, SubmittedJob } from '../../shared/ports/job-submitter.js';
import type { JobStatusUpdate, StatusSink } from '../../shared/ports/status-sink.js';
import type { LogFields, Logger, Metrics } from '../../shared/ports/observability.js';

/** A logger that keeps its lines, so tests can assert on what was (and was not) logged. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: LogFields }[] = [];
  debug(message: string, fields?: LogFields) { this.lines.push({ level: 'debug', message, fields }); }
  info(message: string, fields?: LogFields) { this.lines.push({ level: 'info', message, fields }); }
  warn(message: string, fields?: LogFields) { this.lines.push({ level: 'warn', message, fields }); }
  error(message: string, fields?: LogFields) { this.lines.push({ level: 'error', message, fields }); }
  text(): string { return JSON.stringify(this.lines); }
}

export class MemoryMetrics implements Metrics {
  readonly counts = new Map<string, number>();
  count(name: string, value = 1) { this.counts.set(name, (this.counts.get(name) ?? 0) + value); }
  timing() {}
}

/** Records submissions; optionally fails the first N to exercise retries. */
export class RecordingJobSubmitter implements JobSubmitter {
  readonly submitted: PreprocessJobRequest[] = [];
  constructor(private failuresLeft = 0) {}
  async submit(request: PreprocessJobRequest): Promise<SubmittedJob> {
    // Yield so concurrent handlers really interleave.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('simulated submission failure');
    }
    this.submitted.push(request);
    return { jobId: `job-${this.submitted.length}`, provider: 'test' };
  }
}

export class RecordingStatusSink implements StatusSink {
  readonly updates: JobStatusUpdate[] = [];
  async update(update: JobStatusUpdate) { this.updates.push(update); }
}
