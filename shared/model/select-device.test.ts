import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../test/support/recorders.js';
import { cudaProviderLibrary, cudaProviderLoadError } from './cuda-provider-library.js';
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

  it('cuda fails with a clear error instead of running on CPU, naming the missing provider library', async () => {
    await expect(createPredictor({ device: 'cuda' })).rejects.toThrow(/could not load the prediction model on cuda \(cuda: .*\(libonnxruntime_providers_cuda\.so not installed\)\)/);
  });
});

// onnxruntime says only "Failed to load shared library" when its CUDA provider is installed but cannot load (on the
// lent H200 host: CUDA 13 user-space libraries, a provider built for CUDA 12). The loader's message says why.
const hasCc = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
describe.skipIf(process.platform !== 'linux')('why a CUDA provider library does not load (Linux loader)', () => {
  it('names a file that is not a library', () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'adni-cuda-')), 'libonnxruntime_providers_cuda.so');
    writeFileSync(file, 'x');
    // Act
    const why = cudaProviderLoadError(file);
    // Assess
    expect(why).toMatch(/file too short|invalid ELF header/);
  });

  it('is undefined for a library that loads with all it needs (onnxruntime itself)', () => {
    const lib = path.join(path.dirname(cudaProviderLibrary().path), 'libonnxruntime.so.1');
    expect(cudaProviderLoadError(lib)).toBeUndefined();
  });

  it.skipIf(!hasCc)('names the missing CUDA 12 dependency of a provider built for CUDA 12 (needs a C compiler)', () => {
    // Prepare: a stand-in with the real provider's CUDA 12 dependency (bench/predict-gpu.sh builds the same).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'adni-cuda-'));
    writeFileSync(path.join(dir, 'stub.c'), 'int adni_stub(void) { return 0; }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'libcudart.so.12'), path.join(dir, 'stub.c'), '-Wl,-soname,libcudart_adni_test.so.12']);
    const provider = path.join(dir, 'libonnxruntime_providers_cuda.so');
    execFileSync('cc', ['-shared', '-fPIC', '-o', provider, path.join(dir, 'stub.c'), '-Wl,--no-as-needed', path.join(dir, 'libcudart.so.12')]);
    // Act
    const why = cudaProviderLoadError(provider);
    // Assess
    expect(why).toBe('libcudart_adni_test.so.12: cannot open shared object file: No such file or directory');
  });
});
