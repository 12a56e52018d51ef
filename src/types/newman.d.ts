// newman ships no types; this declares the part of its programmatic API the tests use.
declare module 'newman' {
  import type { EventEmitter } from 'node:events';

  export interface NewmanVariable {
    key: string;
    value: string;
  }

  export interface NewmanRunOptions {
    /** A Postman Collection v2.1 object, or a path or URL to one. */
    collection: object | string;
    environment?: object | string;
    globals?: object | string;
    envVar?: NewmanVariable[];
    globalVar?: NewmanVariable[];
    folder?: string | string[];
    reporters?: string | string[];
    timeoutRequest?: number;
    bail?: boolean;
  }

  export interface NewmanFailure {
    error: { name: string; message: string; test?: string };
    source?: { name?: string };
    at?: string;
  }

  export interface NewmanExecution {
    item: { name: string; id?: string };
    request: { method: string; url: { toString(): string } };
    response?: { code: number; text(): string };
    assertions?: { assertion: string; error?: { message: string } }[];
    requestError?: Error;
  }

  interface Stat {
    total: number;
    pending: number;
    failed: number;
  }

  export interface NewmanRunSummary {
    run: {
      stats: { items: Stat; requests: Stat; tests: Stat; assertions: Stat };
      failures: NewmanFailure[];
      executions: NewmanExecution[];
    };
  }

  export function run(
    options: NewmanRunOptions,
    callback?: (error: Error | null, summary: NewmanRunSummary) => void,
  ): EventEmitter;

  const newman: { run: typeof run };
  export default newman;
}
