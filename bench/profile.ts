/**
 * Where a server's CPU time went: the top self-time functions of a V8 CPU profile (`.cpuprofile`, as
 * written by `node --cpu-prof` or the inspector's `Profiler.stop`).
 *
 * Self time is the time a function was on top of the stack: summed over every node of the profile's
 * call tree that names the same function (same name, file and line), as a share of the samples. The
 * idle and garbage-collector pseudo-functions are kept (`(idle)`, `(garbage collector)`), since a
 * server that waits or collects is part of the answer. Files are shown relative to the repository,
 * `node_modules/` paths by package.
 *
 * `npx tsx bench/profile.ts FILE.cpuprofile [N]` prints the top N (default 15).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  /** `name (file:line)`; anonymous functions as `(anonymous)`. */
  function: string;
  /** Share of the profile's time spent in it, 0–1. */
  share: number;
  /** Milliseconds of self time. */
  ms: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A file as a reader knows it: `src/…` in the repository, `fastify/lib/…` in node_modules. */
export function shortUrl(url: string): string {
  if (!url) return '';
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + '/node_modules/'.length);
  if (file.startsWith(ROOT + path.sep)) file = file.slice(ROOT.length + 1);
  return file;
}

/** The top `n` functions by self time, heaviest first. */
export function topSelfTime(profile: CpuProfile, n = 15): SelfTime[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const timeOf = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    // A sample's delta is the time since the previous one: it belongs to the sample before it.
    const us = Math.max(0, deltas[i + 1] ?? 0);
    timeOf.set(samples[i]!, (timeOf.get(samples[i]!) ?? 0) + us);
    total += us;
  }
  const byFunction = new Map<string, number>();
  for (const [id, us] of timeOf) {
    const frame = byNode.get(id)?.callFrame;
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    const file = shortUrl(frame.url);
    const key = file ? `${name} (${file}:${frame.lineNumber + 1})` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({
      function: fn,
      share: total ? Math.round((us / total) * 1000) / 1000 : 0,
      ms: Math.round(us / 100) / 10,
    }));
}

/** The same, summed by package or top-level source folder: where the time went at a glance. */
export function selfTimeByArea(profile: CpuProfile, n = 10): { area: string; share: number }[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const byArea = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const us = Math.max(0, deltas[i + 1] ?? 0);
    total += us;
    const frame = byNode.get(samples[i]!)?.callFrame;
    const file = frame ? shortUrl(frame.url) : '';
    const parts = file.split('/');
    const area = !file
      ? frame?.functionName.startsWith('(')
        ? frame.functionName
        : '(native)'
      : file.startsWith('node:')
        ? 'node (built-in)'
        : parts[0]!.startsWith('@')
          ? parts.slice(0, 2).join('/')
          : parts[0] === 'src' && parts.length > 2
            ? parts.slice(0, parts[1] === 'modules' ? 3 : 2).join('/')
            : parts[0]!;
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  return [...byArea]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([area, us]) => ({ area, share: total ? Math.round((us / total) * 1000) / 1000 : 0 }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/profile.ts FILE.cpuprofile [N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const n = Number(process.argv[3] ?? 15);
  for (const row of topSelfTime(profile, n))
    console.log(
      `${(row.share * 100).toFixed(1).padStart(5)} %  ${row.ms.toFixed(1).padStart(8)} ms  ${row.function}`,
    );
  console.log('');
  for (const row of selfTimeByArea(profile))
    console.log(`${(row.share * 100).toFixed(1).padStart(5)} %  ${row.area}`);
}
