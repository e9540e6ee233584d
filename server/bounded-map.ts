/**
 * An insertion-ordered map that forgets its oldest entries beyond `max`: the per-process caches and
 * remembered answers (policy decisions, the access mirror, trusted-proxy and Accept checks, DNS
 * answers and checked dial targets) stay bounded whatever their keys. Setting a key again makes it
 * the newest.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
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
