import path from 'node:path';
import type { InferenceSession as OrtSession } from 'onnxruntime-node';
import type { Logger } from '../ports/observability.js';
import { silentLogger } from '../ports/observability.js';
import { cudaProviderLibrary, cudaProviderLoadError } from './cuda-provider-library.js';
import { assembleBatch, orderedSessions, type AssembledBatch } from './assemble-features.js';
import { DEFAULT_MODEL_DIR, loadModelSpec, type ModelSpec } from './model-spec.js';
import type { PatientHistory } from './patient-history.js';
import { deviceAttempts, requestedDevice, type PredictDevice, type ResolvedDevice } from './select-device.js';

export type ScoreKey = 'mmse' | 'cdr' | 'adas';
/** Median and 80 % interval (10th–90th percentile), in score points. */
export interface ScoreInterval {
  value: number;
  low: number;
  high: number;
}
/** `"6_months"` … `"36_months"` → score → interval. */
export type HorizonPredictions = Record<string, Record<ScoreKey, ScoreInterval>>;

export interface ProgressionForecast {
  predictions: HorizonPredictions;
  inputs: { sessions: number; lastSessionDate: string };
}

export interface ModelIdentity {
  name: string;
  version: string;
  /** `simulated` or `ADNIMERGE` (model.json trainedOn). */
  trainedOn: string;
  /** Plain statement of what the model was trained on (model.json trainingData.statement). */
  statement: string;
}

/** A loaded model: one onnxruntime session, created once and reused for every call. */
export interface Predictor {
  readonly device: ResolvedDevice;
  readonly model: ModelIdentity;
  readonly spec: ModelSpec;
  /** Forecasts for histories that passed `insufficientDataReason`, in the same order, one batched run. */
  predict(histories: readonly PatientHistory[]): Promise<ProgressionForecast[]>;
  /** The raw model output `[batch, score, horizon, quantile]` for already assembled tensors. */
  run(batch: AssembledBatch): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface CreatePredictorOptions {
  /** Folder with model.json and the .onnx; default the committed `model/`. */
  modelDir?: string;
  /** Default `PREDICT_DEVICE`, else `auto`. */
  device?: PredictDevice;
  logger?: Logger;
  /** Intra-op threads; 1 suits small batches (less thread hand-off), more helps batch 1000. */
  threads?: number;
}

/** What onnxruntime's "Failed to load shared library" leaves out: which library, and why the loader refused it. */
function cudaFailureDetail(): string {
  const cuda = cudaProviderLibrary();
  if (!cuda.present) return ` (${path.basename(cuda.path)} not installed)`;
  const refused = cudaProviderLoadError(cuda.path);
  return refused ? ` (${path.basename(cuda.path)}: ${refused})` : '';
}

/**
 * Loads the model once. `auto` tries the CUDA execution provider and falls back to CPU, logging which one
 * runs and why; `cuda` fails when CUDA cannot be loaded.
 *
 * @example
 * const predictor = await createPredictor({ device: 'auto', logger });
 * const [forecast] = await predictor.predict([history]);
 * forecast.predictions['12_months'].mmse; // { value: 26.1, low: 24.3, high: 27.6 }
 */
export async function createPredictor(options: CreatePredictorOptions = {}): Promise<Predictor> {
  const logger = options.logger ?? silentLogger;
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const spec = await loadModelSpec(modelDir);
  const ort = await import('onnxruntime-node');
  const onnxPath = path.join(modelDir, spec.onnx);
  const requested = requestedDevice(options.device);
  const started = performance.now();
  let session: OrtSession | undefined;
  let device: ResolvedDevice = 'cpu';
  const failures: string[] = [];
  for (const attempt of deviceAttempts(requested)) {
    if (attempt === 'cuda' && requested === 'auto') {
      const cuda = cudaProviderLibrary();
      if (!cuda.present) {
        failures.push(`cuda: onnxruntime-node has no CUDA provider library (${path.basename(cuda.path)} not installed)`);
        continue;
      }
    }
    try {
      session = await ort.InferenceSession.create(onnxPath, {
        executionProviders: [attempt],
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // A failed CUDA probe under `auto` is expected on CPU machines and logged below in one line.
        ...(attempt === 'cuda' && requested === 'auto' ? { logSeverityLevel: 4 as const } : {}),
      });
      device = attempt;
      break;
    } catch (error) {
      failures.push(`${attempt}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}${attempt === 'cuda' ? cudaFailureDetail() : ''}`);
    }
  }
  if (!session) throw new Error(`could not load the prediction model on ${requested} (${failures.join('; ')})`);
  if (failures.length > 0) logger.warn('CUDA execution provider unavailable, predicting on CPU', { reason: failures.join('; ').slice(0, 300) });
  logger.info('prediction model loaded', { model: spec.name, version: spec.version, device, requested, ms: Math.round(performance.now() - started) });

  const loaded = session;
  const scores = spec.outputs.scores.map((s) => s.key);
  const horizons = spec.outputs.horizonsMonths;
  const q = spec.outputs.quantiles.length;
  const run = async (batch: AssembledBatch) => {
    const feeds = {
      static: new ort.Tensor('float32', batch.static, [batch.batch, 4]),
      sequence: new ort.Tensor('float32', batch.sequence, [batch.batch, batch.sessions, 14]),
      lengths: new ort.Tensor('int64', batch.lengths, [batch.batch]),
    };
    const out = await loaded.run(feeds);
    return out.quantiles.data as Float32Array;
  };
  return {
    device,
    model: { name: spec.name, version: spec.version, trainedOn: spec.trainedOn, statement: spec.trainingData.statement },
    spec,
    run,
    async predict(histories) {
      if (histories.length === 0) return [];
      const data = await run(assembleBatch(histories, spec));
      return histories.map((history, b) => {
        const predictions: HorizonPredictions = {};
        horizons.forEach((months, h) => {
          const entry = {} as Record<ScoreKey, ScoreInterval>;
          scores.forEach((score, s) => {
            const base = ((b * scores.length + s) * horizons.length + h) * q;
            entry[score] = { low: data[base], value: data[base + 1], high: data[base + 2] };
          });
          predictions[`${months}_months`] = entry;
        });
        const sessions = orderedSessions(history);
        return { predictions, inputs: { sessions: sessions.length, lastSessionDate: sessions[sessions.length - 1].date } };
      });
    },
    release: () => loaded.release(),
  };
}
