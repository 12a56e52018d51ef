import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

/**
 * Names and ownership of the temporary area (`media/tmp/` of a data dir or of a bucket), where an
 * upload is written while it is hashed and checked, before it is stored under its key. Several
 * processes may share it (an `api` and a `worker` on one data dir; every process of a deployment on one
 * bucket), so a process cleaning it may only remove what no running upload can own:
 *
 * - an entry no one has written to for longer than `staleAfterMs`: every writer is bounded (a client
 *   has AUDENCI_REQUEST_TIMEOUT_MS to send its whole request, a URL import two minutes), and what is
 *   done with a finished upload (probing it, storing it under its key) takes seconds, not minutes;
 * - at once, an entry made by a process that has ended. Each name carries its maker's pid and the
 *   machine and pid namespace it ran in (`<owner>.<pid>.<uuid>`), so only a process that sees the same
 *   pids judges it, and only by asking whether that pid still runs. A pid taken over by another process
 *   keeps the entry (until it is stale): never the other way round.
 */

/** The machine (boot) and pid namespace of this process: where its pids mean something. */
function ownerOf(): string {
  const read = (file: string, link = false) => {
    try {
      return link ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const where = [
    os.hostname(),
    read('/proc/sys/kernel/random/boot_id'),
    read('/proc/self/ns/pid', true),
  ].join('\n');
  return createHash('sha256').update(where).digest('hex').slice(0, 12);
}

const OWNER = ownerOf();
const NAME = /^([0-9a-f]{12})\.(\d+)\.[0-9a-f-]{36}$/;

/** A new temporary name owned by this process. */
export function temporaryName(): string {
  return `${OWNER}.${process.pid}.${randomUUID()}`;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether no running upload can own the temporary entry `name`, last written at `modifiedMs`. Names
 * of another shape (an earlier version's) are judged by age only.
 */
export function abandoned(name: string, modifiedMs: number, nowMs: number, staleAfterMs: number): boolean {
  if (nowMs - modifiedMs > staleAfterMs) return true;
  const match = NAME.exec(name);
  if (!match || match[1] !== OWNER) return false;
  const pid = Number(match[2]);
  return pid !== process.pid && !running(pid);
}

/** What a sweep of the temporary area removed (and what it left to running uploads). */
export interface SweepReport {
  removed: number;
  kept: number;
}
