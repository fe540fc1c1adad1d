import { z } from 'zod';
import type { Logger } from '../ports/observability.js';
import { silentLogger } from '../ports/observability.js';
import type { ObjectStore } from '../ports/object-store.js';
import { redactKey } from '../util/redact.js';
import type { RoiFeaturesLike } from './patient-history.js';

/**
 * The part of `roi_features.json` the model reads. Lenient on purpose (extra fields pass): a newer pipeline
 * layout with the same fields still feeds the model, and a placeholder file (no `global`/`regions`) simply
 * gives no imaging for the session, which the model handles by its masks.
 */
const RoiFeaturesLikeSchema = z.object({
  global: z.object({ icvMm3: z.number().finite().nonnegative(), brainVolumeMm3: z.number().finite().nonnegative() }).loose(),
  regions: z.array(z.object({ name: z.string(), volumeMm3: z.number().finite().nonnegative(), suvrMean: z.number().finite().nullable().optional() }).loose()),
}).loose();

export interface RoiFeaturesReaderOptions {
  store: ObjectStore;
  logger?: Logger;
  /** Parsed files kept in memory (least recently used dropped first); default 2000. */
  maxEntries?: number;
}

export interface RoiFeaturesReader {
  /** The parsed features at `key`, or undefined when absent or without usable features (logged). */
  read(key: string): Promise<RoiFeaturesLike | undefined>;
  readonly stats: { hits: number; misses: number };
}

/**
 * Reads `roi_features.json` objects, caching each parse by key and object version (or ETag when the store
 * keeps no versions): a repeated prediction costs one HEAD per session, and a re-processed session (new
 * version) is read again, never served stale.
 *
 * @example
 * const reader = createRoiFeaturesReader({ store });
 * const roi = await reader.read('preprocessed/P001/2024-01-10/roi_features.json');
 */
export function createRoiFeaturesReader(options: RoiFeaturesReaderOptions): RoiFeaturesReader {
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const maxEntries = options.maxEntries ?? 2000;
  const cache = new Map<string, RoiFeaturesLike | undefined>();
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    async read(key) {
      const head = await store.head(key);
      if (!head) return undefined;
      const cacheKey = `${key}\u0000${head.version ?? head.etag}`;
      if (cache.has(cacheKey)) {
        stats.hits++;
        const value = cache.get(cacheKey);
        cache.delete(cacheKey); // re-insert: Map order is the LRU order
        cache.set(cacheKey, value);
        return value;
      }
      stats.misses++;
      const value = parse(await store.get(key), key, logger);
      cache.set(cacheKey, value);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return value;
    },
  };
}

function parse(bytes: Uint8Array, key: string, logger: Logger): RoiFeaturesLike | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    logger.warn('roi_features.json is not JSON; session used without imaging', { key: redactKey(key) });
    return undefined;
  }
  const parsed = RoiFeaturesLikeSchema.safeParse(json);
  if (!parsed.success) {
    const placeholder = typeof json === 'object' && json !== null && (json as { placeholder?: unknown }).placeholder === true;
    logger.warn(placeholder ? 'roi_features.json is a placeholder; session used without imaging' : 'roi_features.json lacks usable features; session used without imaging', {
      key: redactKey(key),
      ...(placeholder ? {} : { reason: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }),
    });
    return undefined;
  }
  return parsed.data as RoiFeaturesLike;
}
