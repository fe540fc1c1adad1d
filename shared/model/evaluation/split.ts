import { createHash } from 'node:crypto';

export type Split = 'train' | 'val' | 'test';

/**
 * The patient-level split of model/train.py (`split_of`): sha256("seed:patientId"), first 8 hex digits as a
 * fraction → 70 % train, 15 % validation, 15 % test. The same id always lands in the same part, so the Node
 * evaluation scores exactly the patients the model never saw.
 *
 * @example
 * splitOf('999_S_0001', 7); // 'train' | 'val' | 'test'
 */
export function splitOf(patientId: string, seed: number): Split {
  const h = Number.parseInt(createHash('sha256').update(`${seed}:${patientId}`).digest('hex').slice(0, 8), 16) / 0xffffffff;
  return h < 0.7 ? 'train' : h < 0.85 ? 'val' : 'test';
}
