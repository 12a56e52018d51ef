import type { JobTypeHandler } from './jobs.types.js';

/**
 * The job types `POST /jobs` accepts, by name. One registry serves the API (`prepare`, scope checks) and
 * the worker (`runChunk`); a type must be registered in both for its jobs to run.
 */
export class JobTypeRegistry {
  private readonly byType = new Map<string, JobTypeHandler>();

  constructor(handlers: readonly JobTypeHandler[] = []) {
    for (const handler of handlers) this.register(handler);
  }

  register<P, S>(handler: JobTypeHandler<P, S>): this {
    if (this.byType.has(handler.type)) throw new Error(`Job type ${handler.type} is registered twice`);
    if (!Number.isInteger(handler.chunkSize) || handler.chunkSize < 1) {
      throw new Error(`Job type ${handler.type} needs a chunkSize of at least 1`);
    }
    this.byType.set(handler.type, handler as unknown as JobTypeHandler);
    return this;
  }

  get(type: string): JobTypeHandler | undefined {
    return this.byType.get(type);
  }

  /** Registered type names, sorted (listed in the 400 for an unknown type). */
  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): JobTypeHandler[] {
    return [...this.byType.values()];
  }
}
