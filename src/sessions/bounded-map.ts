/**
 * A `Map` that keeps at most `limit` entries: setting a key makes it the
 * newest, and past the limit the oldest entry goes (and `onEvict` hears of
 * it). The per-isolate memories of sessions use it, so none grows without end.
 *
 * @example
 * ```ts
 * const verified = new BoundedMap<string, string>(10_000);
 * ```
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(
    private readonly limit: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    const oldest = this.size > this.limit ? this.entries().next() : undefined;
    if (oldest && !oldest.done) {
      const [evictedKey, evicted] = oldest.value;
      this.delete(evictedKey);
      this.onEvict?.(evictedKey, evicted);
    }
    return this;
  }
}
