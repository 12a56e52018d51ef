import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { jobType } from '../../db/queue/contract.js';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { API_JOB_PREFIX } from '../../db/tables/jobs.js';

/**
 * The contract between the jobs module (the `POST /jobs` API and the chunk runner) and the modules that
 * contribute job types (`posts.import`, `posts.update`, …). A type validates its payload at submission and
 * then processes its items a chunk at a time; the runner commits each chunk's work, the job's progress,
 * the chunk's item errors and the type's `state` in ONE transaction, so after a crash the job resumes
 * exactly after the last committed chunk: no item done twice, none skipped.
 */

/**
 * Bounds of an item error as stored and shown: what a type reports (a validation message quoting the
 * item, a platform's answer) is cut to them when it is stored.
 */
/**
 * The queue job (`api:<type>`) that runs an async job of this type. Its payload is what the type's
 * `prepare` returned, checked there at submission, so the queue takes any JSON.
 */
export function asyncJobQueueType(type: string) {
  return jobType(`${API_JOB_PREFIX}${type}`, Type.Unknown());
}

export const ITEM_ERROR_LIMITS = { code: 64, message: 2000, field: 500 } as const;

/**
 * Most characters of output one job writes (a type may allow fewer with `maxOutputLength`): a chunk
 * that would pass it fails the job, so `GET /jobs/{id}/result` never serves more.
 */
export const MAX_JOB_OUTPUT_LENGTH = 1024 ** 3;

/** One item that failed; `index` is its position in the submitted payload (0-based). */
export interface ItemError {
  index: number;
  code: string;
  message: string;
  /** The field of the item at fault, when there is one. */
  field?: string;
}

export interface Progress {
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
}

/** A file a job produces (e.g. an export's CSV), downloadable from `GET /jobs/{id}/result`. */
export interface JobOutput {
  /** Appends text to the job's output file inside the chunk's transaction. */
  append(text: string): Promise<void>;
}

export interface ChunkContext<P, S> {
  ctx: ServiceContext;
  /** The chunk's transaction: every write of the chunk goes through it. */
  trx: Kysely<Database>;
  tenant: Tenant;
  /** The payload `prepare` returned. */
  payload: P;
  /** What the previous chunk returned as `state` (undefined for the first chunk). */
  state: S | undefined;
  /** Items processed before this chunk: the index of this chunk's first item. */
  offset: number;
  /** At most this many items in this chunk. */
  limit: number;
  output: JobOutput;
  /** What `prepareChunk` answered for this chunk (undefined when the type has none). */
  prepared?: unknown;
}

export interface ChunkResult<S> {
  /** Items this chunk processed (succeeded + failed). */
  processed: number;
  succeeded: number;
  failed: number;
  errors: ItemError[];
  /** Carried to the next chunk (e.g. a keyset cursor); stored with the progress. */
  state?: S;
  /** True when no item is left. */
  done: boolean;
}

export interface PreparedJob<P> {
  payload: P;
  /** Items the job will process (for `progress.total`). */
  total: number;
}

export interface JobTypeHandler<P = unknown, S = unknown> {
  /** `posts.import`, … */
  type: string;
  /** Scope the caller's key needs (`read_write`, or `read` for exports). */
  scope: 'read' | 'read_write' | 'admin';
  /**
   * Checks the submitted payload (throws AppError INVALID_INPUT naming the field: 400, no job created)
   * and returns what the chunks will work from — e.g. the ids a filter matches, frozen at submission.
   */
  prepare(ctx: ServiceContext, tenant: Tenant, payload: unknown): Promise<PreparedJob<P>>;
  /** Items per chunk (each chunk is one transaction). */
  chunkSize: number;
  /**
   * Optional slow work for the next chunk, done BEFORE its transaction opens (e.g. a call to an AI
   * provider), so no transaction — and on SQLite no database lock — is held while it waits. It must not
   * write anything that has to commit with the chunk; its answer reaches `runChunk` as `prepared`. If the
   * chunk does not commit (a crash, a lost lease), it is prepared again on the resume.
   */
  prepareChunk?(chunk: Omit<ChunkContext<P, S>, 'trx' | 'output' | 'prepared'>): Promise<unknown>;
  runChunk(chunk: ChunkContext<P, S>): Promise<ChunkResult<S>>;
  /**
   * Optional summary stored as the job's `result` when it succeeds (besides the progress); `state` is
   * what the last chunk returned.
   */
  summarize?(payload: P, progress: Progress, state: S | undefined): unknown;
  /**
   * Content type and file name of the output, for jobs that write one: fixed, or a function of the
   * payload `prepare` returned when they depend on it (e.g. an export's `format`).
   */
  output?: JobOutputFile | ((payload: P) => JobOutputFile);
  /** Most characters of output a job of this type writes (default and at most MAX_JOB_OUTPUT_LENGTH). */
  maxOutputLength?: number;
}

/** How `GET /jobs/{id}/result` serves a job's output file. */
export interface JobOutputFile {
  contentType: string;
  filename: string;
}
