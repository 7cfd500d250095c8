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
    if (this.size > this.limit) {
      const [oldest, evicted] = this.entries().next().value!;
      this.delete(oldest);
      this.onEvict?.(oldest, evicted);
    }
    return this;
  }
}
