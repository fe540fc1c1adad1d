import { useCallback, useEffect, useRef, useState } from 'react';

export type AsyncState<T> = { status: 'loading'; data?: T } | { status: 'ok'; data: T } | { status: 'error'; error: Error; data?: T };

/**
 * Runs `load` when `deps` change (aborting the previous run) and on `reload()`; keeps the last data while
 * reloading so a refresh does not flash an empty view.
 *
 * @example
 * const [patients, reload] = useAsync((signal) => api.listPatients({ search, signal }), [search]);
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ status: 'loading', data: previous.data }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ status: 'ok', data }),
      (error: unknown) => !controller.signal.aborted && setState((previous) => ({ status: 'error', error: error instanceof Error ? error : new Error(String(error)), data: previous.data })),
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [state, reload];
}

/** Calls `reload` every `intervalMs` while `active`. */
export function useInterval(callback: () => void, intervalMs: number, active: boolean): void {
  const ref = useRef(callback);
  ref.current = callback;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => ref.current(), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
}
