import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../test/support/recorders.js';
import { cudaProviderLibrary } from './cuda-provider-library.js';
import { createPredictor } from './predictor.js';
import { deviceAttempts, requestedDevice } from './select-device.js';

describe('PREDICT_DEVICE', () => {
  it.each([
    [undefined, {}, 'auto'],
    [undefined, { PREDICT_DEVICE: 'CPU' }, 'cpu'],
    [undefined, { PREDICT_DEVICE: ' cuda ' }, 'cuda'],
    ['cpu', { PREDICT_DEVICE: 'cuda' }, 'cpu'],
  ] as const)('option %s with env %j asks for %s', (option, env, expected) => {
    expect(requestedDevice(option, env)).toBe(expected);
  });

  it('rejects anything else with a clear message', () => {
    expect(() => requestedDevice(undefined, { PREDICT_DEVICE: 'tpu' })).toThrow('PREDICT_DEVICE must be auto, cuda or cpu (got "tpu")');
  });

  it.each([
    ['auto', ['cuda', 'cpu']],
    ['cuda', ['cuda']],
    ['cpu', ['cpu']],
  ] as const)('%s tries %j', (device, attempts) => {
    expect(deviceAttempts(device)).toEqual(attempts);
  });
});

// Here and in CI onnxruntime-node has no CUDA provider library (and there is no GPU): `auto` must fall back to
// CPU and say why; `cuda` must fail clearly instead of silently using the CPU.
const hasCuda = cudaProviderLibrary().present;
describe.skipIf(hasCuda)('device selection without a GPU', () => {
  it('auto falls back to CPU and logs which device runs and why', async () => {
    const logger = new MemoryLogger();
    const predictor = await createPredictor({ device: 'auto', logger });
    expect(predictor.device).toBe('cpu');
    const fallback = logger.lines.find((l) => l.message === 'CUDA execution provider unavailable, predicting on CPU');
    expect(fallback?.level).toBe('warn');
    expect(String(fallback?.fields?.reason)).toContain('no CUDA provider library');
    expect(logger.lines.find((l) => l.message === 'prediction model loaded')?.fields).toMatchObject({ device: 'cpu', requested: 'auto' });
    await predictor.release();
  });

  it('cuda fails with a clear error instead of running on CPU', async () => {
    await expect(createPredictor({ device: 'cuda' })).rejects.toThrow(/could not load the prediction model on cuda/);
  });
});
