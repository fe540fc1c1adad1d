/**
 * `fn` over `items`, at most `limit` calls in flight; results in the items' order. For storage round trips that are
 * independent of each other (heads, marker reads, claims) where one at a time would be too slow for a request's
 * time limit and all at once would overrun the store's rate limits.
 *
 * @example
 * const heads = await mapLimit(keys, 16, (key) => store.head(key));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
