/**
 * A CPU limit for one bench child, as a container's limit would give a worker deployed on a machine of
 * its own: a Linux control group of its own with a CFS quota (`cpu.max` under cgroup v2,
 * `cpu.cfs_quota_us` under v1), the child moved into it. With it, a publish run on PostgreSQL measures
 * whether a second worker adds what the first one did, rather than whether this machine has a CPU left
 * for it: on two CPUs one unlimited worker and PostgreSQL's backends already keep both busy.
 *
 * It needs a writable cgroup file system (root here); `cpuLimitUnavailable()` says why not otherwise, and
 * the bench then leaves the limited runs out with that reason.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The scheduler period the quota is a share of, in microseconds (the kernel's default). */
const PERIOD_US = 100_000;

interface Hierarchy {
  /** Where the bench's groups are made. */
  root: string;
  /** Writes the limit of the group at `dir`. */
  limit(dir: string, share: number): void;
}

const quota = (share: number) => Math.max(1_000, Math.round(share * PERIOD_US));

function hierarchy(): Hierarchy | string {
  const v2 = '/sys/fs/cgroup';
  if (fs.existsSync(path.join(v2, 'cgroup.controllers'))) {
    const enabled = fs.readFileSync(path.join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    if (!enabled.includes('cpu')) return 'the cgroup v2 cpu controller is not enabled for child groups';
    return {
      root: v2,
      limit: (dir, share) => fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota(share)} ${PERIOD_US}`),
    };
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (fs.existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
    return {
      root: v1,
      limit: (dir, share) => {
        fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota(share)));
      },
    };
  }
  return 'no cgroup cpu controller is mounted';
}

/** Why children cannot be given a CPU limit here, or undefined when they can. */
export function cpuLimitUnavailable(): string | undefined {
  const found = hierarchy();
  if (typeof found === 'string') return found;
  const probe = path.join(found.root, `audenci-bench-probe-${process.pid}`);
  try {
    fs.mkdirSync(probe);
    found.limit(probe, 0.5);
    return undefined;
  } catch (error) {
    return `cannot make a cgroup under ${found.root} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  } finally {
    try {
      fs.rmdirSync(probe);
    } catch {
      // not made, or gone
    }
  }
}

/** A group made by `limitCpu`: its directory, and the removal of it once its process has exited. */
export interface CpuGroup {
  dir: string;
  release(): void;
}

/**
 * Moves process `pid` (all its threads, and what it starts later) into a group of its own limited to
 * `share` of one CPU.
 */
export function limitCpu(pid: number, share: number, name: string): CpuGroup {
  const found = hierarchy();
  if (typeof found === 'string') throw new Error(`no CPU limit: ${found}`);
  const dir = path.join(found.root, `audenci-bench-${process.pid}-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  found.limit(dir, share);
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  return {
    dir,
    release: () => {
      try {
        fs.rmdirSync(dir);
      } catch {
        // still has a process (the bench is being interrupted): the kernel keeps it until it is empty
      }
    },
  };
}
