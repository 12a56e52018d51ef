import fs from 'node:fs';
import path from 'node:path';
import { jsonDepthReason, jsonNestsDeeperThan } from '../../shared/json-depth.js';
import { apiFailure, request, usageError, type ApiTarget } from '../cli-api.js';

/**
 * `audenci import posts` and `audenci jobs get`: HTTP clients of the jobs API (they work against any
 * Audenci server the key belongs to, not the local database).
 */

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ImportPostsOptions extends ApiTarget, Streams {
  file: string;
  brandId: string;
  json: boolean;
  /** Between two `GET /jobs/{id}` (default 500 ms). */
  pollMs?: number;
}

interface ApiJob {
  id: string;
  type: string;
  status: string;
  progress: { total: number; processed: number; succeeded: number; failed: number };
  errors: { index: number; code: string; message: string; field?: string }[];
  errorCount: number;
  error: { message: string } | null;
}

/** The `posts.import` payload from a `.csv` or `.json` file (an array of posts, or `{posts: [...]}`). */
export function importPayload(file: string, brandId: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return { brandId, csv: text };
  if (ext !== '.json') throw usageError(`${file}: expected a .csv or .json file`);
  // The server refuses deeper bodies anyway; a far deeper file would overflow the stack here first.
  if (jsonNestsDeeperThan(text)) throw usageError(`${file}: ${jsonDepthReason()}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(parsed)) return { brandId, posts: parsed };
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { posts?: unknown }).posts)) {
    return { brandId, posts: (parsed as { posts: unknown[] }).posts };
  }
  throw usageError(`${file}: expected an array of posts or {"posts": [...]}`);
}

function progressLine(job: ApiJob): string {
  const { total, processed, succeeded, failed } = job.progress;
  const pct = total > 0 ? Math.floor((processed / total) * 100) : job.status === 'succeeded' ? 100 : 0;
  return `${job.status} ${processed}/${total} (${pct} %): ${succeeded} succeeded, ${failed} failed`;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Polls until the job ends, showing progress on stderr: `\r` updates on a terminal, a line per 10 % otherwise. */
async function follow(target: ApiTarget, id: string, streams: Streams & { quiet: boolean; pollMs: number }) {
  let shownTenth = -1;
  for (;;) {
    const res = await request(target, 'GET', `/jobs/${id}`);
    if (res.status !== 200) throw apiFailure(res);
    const job = (res.json as { data: ApiJob }).data;
    const done = FINISHED.has(job.status);
    if (!streams.quiet) {
      if (streams.stderr.isTTY) {
        streams.stderr.write(`\r${progressLine(job)}\x1b[K${done ? '\n' : ''}`);
      } else {
        const { total, processed } = job.progress;
        const tenth = total > 0 ? Math.floor((processed / total) * 10) : done ? 10 : 0;
        if (tenth > shownTenth) {
          shownTenth = tenth;
          streams.stderr.write(`${progressLine(job)}\n`);
        }
      }
    }
    if (done) return job;
    await new Promise((resolve) => setTimeout(resolve, streams.pollMs));
  }
}

function summary(job: ApiJob): string {
  const { succeeded, failed, total } = job.progress;
  const lines = [`Job ${job.id} ${job.status}: ${succeeded} of ${total} items succeeded, ${failed} failed`];
  if (job.error) lines.push(`  ${job.error.message}`);
  for (const e of job.errors.slice(0, 10)) {
    lines.push(`  item ${e.index}: ${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
  }
  if (job.errorCount > 10)
    lines.push(`  … and ${job.errorCount - 10} more (GET /api/v1/jobs/${job.id}/errors)`);
  return lines.join('\n');
}

/**
 * Submits a `posts.import` job and follows it. Exit code: 0 all imported, 1 otherwise; a refused request
 * throws the `CliError` it means.
 */
export async function importPosts(options: ImportPostsOptions): Promise<number> {
  const payload = importPayload(options.file, options.brandId);
  const submitted = await request(options, 'POST', '/jobs', { type: 'posts.import', payload });
  if (submitted.status !== 202) throw apiFailure(submitted);
  const id = (submitted.json as { data: ApiJob }).data.id;
  if (!options.json) options.stderr.write(`Submitted ${id}\n`);
  const job = await follow(options, id, { ...options, quiet: options.json, pollMs: options.pollMs ?? 500 });
  options.stdout.write(options.json ? `${JSON.stringify(job)}\n` : `${summary(job)}\n`);
  return job.status === 'succeeded' && job.progress.failed === 0 ? 0 : 1;
}

/** `audenci jobs get <id>`: the job, as JSON or a summary. */
export async function showJob(options: ApiTarget & Streams & { id: string; json: boolean }): Promise<number> {
  const res = await request(options, 'GET', `/jobs/${encodeURIComponent(options.id)}`);
  if (res.status !== 200) throw apiFailure(res);
  const job = (res.json as { data: ApiJob }).data;
  options.stdout.write(options.json ? `${JSON.stringify(job)}\n` : `${progressLine(job)}\n${summary(job)}\n`);
  return 0;
}
