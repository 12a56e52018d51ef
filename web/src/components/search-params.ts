/** A route's `validateSearch` that keeps the named string parameters of a search and drops the others. */
export function strings<K extends string>(...keys: K[]) {
  return (search: Record<string, unknown>): Partial<Record<K, string>> =>
    Object.fromEntries(
      keys.filter((k) => typeof search[k] === 'string').map((k) => [k, search[k]]),
    ) as Partial<Record<K, string>>;
}
