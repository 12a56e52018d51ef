/**
 * Watches the `setTimeout` timers started while it is on, so that a test can count the ones a piece of
 * code starts, and those it leaves pending, by their delay. Counting every active timer instead
 * (`process.getActiveResourcesInfo()`) also counts the connection pool's, whose number depends on how
 * fast connections open: under load that made such tests fail at random.
 *
 * The code watched must call the global `setTimeout` and `clearTimeout` at call time, as Node.js code
 * and pg do.
 */
export interface TimerWatch {
  /** How many timers of `delay` ms were started while watching. */
  started(delay: number): number;
  /** How many timers with one of `delays` were started while watching and have neither run nor been cleared. */
  pending(delays: readonly number[]): number;
  /** Puts the real `setTimeout` and `clearTimeout` back. */
  stop(): void;
}

export function watchTimers(): TimerWatch {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const timers: { delay: number; pending: boolean }[] = [];
  const byHandle = new Map<unknown, { delay: number; pending: boolean }>();
  const set = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    const timer = { delay: delay ?? 0, pending: true };
    const handle = realSet(
      (...given: unknown[]) => {
        timer.pending = false;
        callback(...given);
      },
      delay,
      ...args,
    );
    timers.push(timer);
    byHandle.set(handle, timer);
    return handle;
  };
  const clear = (handle: Parameters<typeof clearTimeout>[0]) => {
    const timer = byHandle.get(handle);
    if (timer) timer.pending = false;
    realClear(handle);
  };
  globalThis.setTimeout = Object.assign(set, realSet) as unknown as typeof setTimeout;
  globalThis.clearTimeout = clear as typeof clearTimeout;
  return {
    started: (delay) => timers.filter((timer) => timer.delay === delay).length,
    pending: (delays) => timers.filter((timer) => timer.pending && delays.includes(timer.delay)).length,
    stop() {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}
