import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
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
