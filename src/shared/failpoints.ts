/**
 * Fault injection for the system tests: named points in the code where a process can be made to die, so
 * that a test proves what a crash exactly there leaves behind (see test/system/). `AUDENCI_FAILPOINTS`
 * names the points that are armed; none is by default, and an unknown name fails start-up.
 */
export const FAILPOINTS = [
  /** An idempotent request's work and its recorded answer have committed; the answer is not sent yet. */
  'idempotency.after-commit',
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

/** A failpoint function: an armed point SIGKILLs the process (as a crash would: nothing runs after it). */
export function failpoints(armed: readonly FailpointName[]): ((name: FailpointName) => void) | undefined {
  if (armed.length === 0) return undefined;
  const set = new Set<FailpointName>(armed);
  return (name) => {
    if (set.has(name)) process.kill(process.pid, 'SIGKILL');
  };
}
