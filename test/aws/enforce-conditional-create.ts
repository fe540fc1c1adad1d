import type { ConditionalPutResult, ObjectStore, PutOptions } from '../../shared/ports/object-store.js';

/**
 * TEST-ONLY. s3rver accepts `If-None-Match: *` but ignores it (it overwrites), so over s3rver alone every
 * duplicate event would "win" its job marker. This wrapper supplies, inside one process, the guarantee
 * real S3 gives server-side: conditional creates of one key are serialised and refused when the key
 * exists (checked with a real HEAD on s3rver). Everything else, including the conditional PUT itself
 * (header and all), goes to the real S3ObjectStore. That the SDK sends the header and that S3's 412/409
 * become `{ created: false }` is proven separately against a loopback recorder
 * (providers/aws/s3-object-store.test.ts).
 */
export function enforceConditionalCreate(store: ObjectStore): ObjectStore {
  const tails = new Map<string, Promise<unknown>>();
  const wrapped: ObjectStore = Object.create(store);
  Object.defineProperty(wrapped, 'bucket', { value: store.bucket });
  wrapped.putIfAbsent = (key: string, body: Uint8Array | string, options?: PutOptions): Promise<ConditionalPutResult> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const attempt = previous.then(async (): Promise<ConditionalPutResult> => {
      if (await store.head(key)) return { created: false };
      return store.putIfAbsent(key, body, options);
    });
    tails.set(key, attempt.catch(() => undefined));
    return attempt;
  };
  return wrapped;
}
