/**
 * `totalCount` is a `COUNT(*)` over every matching row: on a large table it costs more than the page
 * itself. Counts are cached per resource (e.g. one tenant's posts) and filter fingerprint. A write to
 * the resource through this process drops its counts at once; writes by other processes (scale-out)
 * are seen after `ttlMs`. A TTL of 0 disables the cache. Memory is bounded: at most `maxResources`
 * resources and `maxPerResource` filter combinations each (a caller walking dates or ids makes a new
 * combination on every request, and entries otherwise only leave on a write).
 */
export class CountCache {
  private resources = new Map<string, Map<string, { value: Promise<number>; until: number }>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxResources = 10_000,
    /** Filter combinations kept per resource; past it the oldest goes (dates and ids make many). */
    private readonly maxPerResource = 500,
  ) {}

  get(resource: string, filters: string, load: () => Promise<number>): Promise<number> {
    if (this.ttlMs <= 0) return load();
    const now = this.now();
    let entries = this.resources.get(resource);
    const hit = entries?.get(filters);
    if (hit && hit.until > now) return hit.value;
    if (!entries) {
      if (this.resources.size >= this.maxResources) this.resources.clear();
      entries = new Map();
      this.resources.set(resource, entries);
    }
    const value = load();
    const entry = { value, until: now + this.ttlMs };
    // An expired entry is replaced in place; a new one past the bound pushes the oldest out.
    if (!hit && entries.size >= this.maxPerResource) entries.delete(entries.keys().next().value!);
    entries.set(filters, entry);
    // A failed count is not remembered.
    value.catch(() => {
      if (this.resources.get(resource)?.get(filters) === entry) this.resources.get(resource)?.delete(filters);
    });
    return value;
  }

  /** Forget the counts of a resource after a write to it. */
  invalidate(resource: string): void {
    this.resources.delete(resource);
  }
}
