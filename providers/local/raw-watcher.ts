import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../shared/ports/observability.js';

export interface RawWatcherOptions {
  /** Store root; the watcher looks at `<storeRoot>/raw`. */
  storeRoot: string;
  /** Called once per stable file with its object key (`raw/...`). */
  onStable: (key: string) => void;
  logger: Logger;
  /** Quiet time after the last change before a file is looked at. */
  debounceMs?: number;
  /** A file is stable when its size and mtime did not change over this long. */
  stableMs?: number;
}

interface Observation {
  size: number;
  mtimeMs: number;
}

/**
 * Notices files dropped into `<store>/raw/` by hand (copy, rsync, a scanner's export folder) and reports
 * each once it has stopped growing, so a half-copied image never starts a job. Also scans the folder at
 * start, for files that arrived while the stack was down (the core handler skips sessions already done).
 *
 * @example
 * const watcher = new RawWatcher({ storeRoot, logger, onStable: (key) => dispatcher.dispatch(key) });
 * await watcher.start();
 * watcher.close();
 */
export class RawWatcher {
  private watcher?: FSWatcher;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly observed = new Map<string, Observation>();
  private closed = false;
  private readonly rawDir: string;

  constructor(private readonly options: RawWatcherOptions) {
    this.rawDir = path.join(options.storeRoot, 'raw');
  }

  async start(): Promise<void> {
    await mkdir(this.rawDir, { recursive: true });
    this.watcher = watch(this.rawDir, { recursive: true }, (_event, filename) => {
      if (filename === null) void this.scan(this.rawDir);
      else this.schedule(path.join(this.rawDir, filename.toString()));
    });
    this.watcher.on('error', (error) => this.options.logger.error('raw folder watcher failed', { error: String(error) }));
    await this.scan(this.rawDir);
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async scan(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isFile()) this.schedule(path.join(entry.parentPath, entry.name));
  }

  /** (Re)starts the quiet-time timer of one path. */
  private schedule(file: string, delay = this.options.debounceMs ?? 300): void {
    if (this.closed || path.basename(file).startsWith('.')) return;
    clearTimeout(this.timers.get(file));
    const timer = setTimeout(() => void this.check(file), delay);
    timer.unref();
    this.timers.set(file, timer);
  }

  private async check(file: string): Promise<void> {
    this.timers.delete(file);
    if (this.closed) return;
    let info;
    try {
      info = await stat(file);
    } catch {
      this.observed.delete(file);
      return;
    }
    // A new folder: files created in it before the watch covered it are found by scanning it.
    if (info.isDirectory()) return void this.scan(file);
    if (!info.isFile()) return;
    const now = { size: info.size, mtimeMs: info.mtimeMs };
    const before = this.observed.get(file);
    if (!before || before.size !== now.size || before.mtimeMs !== now.mtimeMs) {
      this.observed.set(file, now);
      this.schedule(file, this.options.stableMs ?? 500);
      return;
    }
    this.observed.delete(file);
    const key = path.relative(this.options.storeRoot, file).split(path.sep).join('/');
    this.options.onStable(key);
  }
}
