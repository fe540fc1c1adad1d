import { z } from 'zod';

export const PredictDeviceSchema = z.enum(['auto', 'cuda', 'cpu'], { error: 'PREDICT_DEVICE must be auto, cuda or cpu' });
/** What the caller asks for: `auto` tries CUDA and falls back to CPU. */
export type PredictDevice = z.infer<typeof PredictDeviceSchema>;
/** What inference actually runs on. */
export type ResolvedDevice = 'cuda' | 'cpu';

/**
 * The requested device from an option or `PREDICT_DEVICE` (default `auto`); a clear error for anything else.
 *
 * @example
 * requestedDevice(undefined, { PREDICT_DEVICE: 'cpu' }); // 'cpu'
 */
export function requestedDevice(option: string | undefined, env: NodeJS.ProcessEnv = process.env): PredictDevice {
  const raw = option ?? env.PREDICT_DEVICE ?? 'auto';
  const parsed = PredictDeviceSchema.safeParse(raw.trim().toLowerCase());
  if (!parsed.success) throw new Error(`PREDICT_DEVICE must be auto, cuda or cpu (got "${raw.slice(0, 20)}")`);
  return parsed.data;
}

/** Execution providers to try, in order, for a request. */
export function deviceAttempts(device: PredictDevice): ResolvedDevice[] {
  if (device === 'cpu') return ['cpu'];
  if (device === 'cuda') return ['cuda'];
  return ['cuda', 'cpu'];
}
