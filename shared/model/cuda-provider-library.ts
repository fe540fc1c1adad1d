import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Where onnxruntime-node's CUDA execution provider library would be, and whether it is there. The npm package
 * ships CPU binaries; the CUDA provider comes only with `--onnxruntime-node-install=cuda12` (skipped here by
 * .npmrc) or a CUDA build in the GPU image. Checking first lets `auto` fall back to CPU with a clear reason
 * instead of a native error line on stderr.
 *
 * @example
 * const cuda = cudaProviderLibrary();
 * if (!cuda.present) logger.info('no CUDA provider', { expected: cuda.path });
 */
export function cudaProviderLibrary(): { present: boolean; path: string } {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const dir = path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  const file = path.join(dir, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
  return { present: existsSync(file), path: file };
}

/**
 * Why the dynamic loader refuses a library, or `undefined` when it loads. onnxruntime only says "Failed to load
 * shared library" when its CUDA provider cannot be loaded; the loader's own message names what is missing, e.g.
 * `libcudart.so.12: cannot open shared object file` on a host whose CUDA user-space libraries are version 13
 * (onnxruntime-node 1.30's provider is built for CUDA 12 and cuDNN 9). Only call it after onnxruntime failed:
 * a library that does load stays loaded.
 *
 * @example
 * cudaProviderLoadError('/x/libonnxruntime_providers_cuda.so'); // 'libcudart.so.12: cannot open shared object file: No such file or directory'
 */
export function cudaProviderLoadError(file: string): string | undefined {
  try {
    process.dlopen({ exports: {} }, file, os.constants.dlopen.RTLD_LAZY);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The library and everything it needs loaded; it just is not a Node addon.
    if (message.startsWith('Module did not self-register')) return undefined;
    return message.split('\n')[0].slice(0, 200);
  }
}
