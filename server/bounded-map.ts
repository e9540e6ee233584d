/**
 * An insertion-ordered map that forgets its oldest entries beyond `max`: the per-process caches and
 * remembered answers (policy decisions, the access mirror, trusted-proxy and Accept checks, DNS
 * answers and checked dial targets) stay bounded whatever their keys. Setting a key again makes it
 * the newest. `onEvict` is told of each value pushed out (not of values deleted or replaced).
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly max: number,
    private readonly onEvict?: (value: V) => void,
  ) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const evicted = this.map.get(oldest.value);
      this.map.delete(oldest.value);
      if (evicted !== undefined) this.onEvict?.(evicted);
    }
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}
