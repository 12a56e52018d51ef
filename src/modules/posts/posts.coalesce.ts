/**
 * Gathers the calls made during one turn of the event loop and serves them with one `runMany` over
 * all of them, each call getting its own answer (or its own error). The worker starts every job of a
 * claim in the same turn, and jobs that wait on the same database step resume together, so the steps
 * of a burst of publish jobs run as one statement or one transaction instead of one per job.
 *
 * `runMany` answers one settled result per item, in order; if it throws, every call of the batch gets
 * that error. At most `maxBatch` items go to one `runMany` (the rest to the next ones, in order).
 */
export class Coalescer<I, R> {
  private pending: { item: I; resolve(value: R): void; reject(reason: unknown): void }[] = [];
  private scheduled = false;

  constructor(
    private readonly runMany: (items: I[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly maxBatch = 100,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const calls = this.pending.splice(0);
    for (let from = 0; from < calls.length; from += this.maxBatch) {
      const batch = calls.slice(from, from + this.maxBatch);
      void this.runMany(batch.map((c) => c.item)).then(
        (results) =>
          batch.forEach((call, i) => {
            const result = results[i];
            if (!result) call.reject(new Error('The batch gave no answer for this item'));
            else if (result.status === 'fulfilled') call.resolve(result.value);
            else call.reject(result.reason);
          }),
        (error: unknown) => batch.forEach((call) => call.reject(error)),
      );
    }
  }
}

/** The same settled result for every item. */
export function settledAll<R>(count: number, value: R): PromiseSettledResult<R>[] {
  return Array.from({ length: count }, () => ({ status: 'fulfilled', value }));
}
