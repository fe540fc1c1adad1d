import cliProgress from 'cli-progress';
import type { Modality } from '../../shared/domain/session-key.js';
import type { UploadOptions } from './upload-options.js';
import { uploadToStore, uploadViaApi, type ProgressCallback, type UploadedSession } from './upload-session.js';
import { localStatusReader, waitForStatus, type WaitOptions } from './wait-for-status.js';

/** Where `adni upload` writes its lines (stdout by default; tests pass their own). */
export interface UploadOutput {
  log: (line: string) => void;
  /** Progress bars render only on a terminal. */
  stream: NodeJS.WriteStream;
}

/**
 * `adni upload`: sends both files (presigned PUTs through the API, or straight into a store with
 * `--store`), showing progress; with `--wait`, follows the job until it completes or fails.
 * Resolves with the process exit code (0, or 1 when the job failed).
 *
 * @example
 * process.exitCode = await runUpload(parsedOptions, { log: console.log, stream: process.stderr });
 */
export async function runUpload(options: UploadOptions, output: UploadOutput): Promise<number> {
  const files = { patient: options.patient, session: options.session, mri: options.mri, pet: options.pet };
  const progress = output.stream.isTTY ? barProgress(output.stream) : lineProgress(output.log);

  let uploaded: UploadedSession;
  let read: WaitOptions['read'] | undefined;
  try {
    if (options.store) {
      const { createObjectStore } = await import('../../batch-image/src/stores.js');
      const bucket = options.bucket ?? (options.store === 'local' ? 'local' : undefined);
      if (!bucket) throw new Error(`--store ${options.store} needs --bucket`);
      const store = await createObjectStore({ provider: options.store, bucket, env: process.env });
      uploaded = await uploadToStore(store, files, progress.onProgress);
      const { StoreStatusSink } = await import('../../providers/local/store-status-sink.js');
      const sink = new StoreStatusSink(store);
      const ref = { patientId: options.patient, sessionDate: options.session };
      read = () => sink.read(ref, uploaded.fingerprint!);
    } else {
      uploaded = await uploadViaApi(options.api, files, progress.onProgress);
      if (uploaded.fingerprint) read = localStatusReader(options.api, options.patient, options.session, uploaded.fingerprint);
    }
  } finally {
    progress.stop();
  }
  output.log(`uploaded ${uploaded.keys.mri} and ${uploaded.keys.pet}${uploaded.fingerprint ? ` (session version ${uploaded.fingerprint})` : ''}`);
  if (!options.wait) {
    output.log(`preprocessing starts now; outputs will appear under preprocessed/${options.patient}/${options.session}/`);
    return 0;
  }
  if (!read) throw new Error('--wait cannot follow this upload: the storage reported no ETag to identify the session version');
  const record = await waitForStatus({ read, timeoutMs: options.timeout * 1000, onStatus: (s) => output.log(`status: ${s}`) });
  if (record.status === 'failed') {
    output.log(`preprocessing failed: ${record.reason ?? 'no reason given'}`);
    return 1;
  }
  output.log('outputs:');
  for (const [name, key] of Object.entries(record.outputs ?? {})) {
    const where = record.output_paths?.[name];
    output.log(`  ${name}: ${key}${where ? `  (${where})` : ''}`);
  }
  return 0;
}

interface Progress {
  onProgress: ProgressCallback;
  stop: () => void;
}

/** Live bars, one per file, on a terminal. */
function barProgress(stream: NodeJS.WriteStream): Progress {
  const bars = new cliProgress.MultiBar(
    { format: ' {modality} |{bar}| {percentage}% {sentMiB}/{totalMiB} MiB', hideCursor: true, clearOnComplete: false, stream },
    cliProgress.Presets.shades_classic,
  );
  const rows = new Map<Modality, cliProgress.SingleBar>();
  return {
    onProgress(modality, sent, total) {
      const payload = { modality, sentMiB: mib(sent), totalMiB: mib(total) };
      let row = rows.get(modality);
      if (!row) rows.set(modality, (row = bars.create(total, 0, payload)));
      row.update(sent, payload);
    },
    stop: () => bars.stop(),
  };
}

/** Logs and CI: one line per file when it is sent. */
function lineProgress(log: (line: string) => void): Progress {
  return {
    onProgress(modality, sent, total) {
      if (sent === total) log(`${modality}: sent ${sent} bytes`);
    },
    stop() {},
  };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
