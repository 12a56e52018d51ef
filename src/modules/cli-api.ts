import { randomUUID } from 'node:crypto';
import { VERSION } from '../shared/version.js';

/**
 * The HTTP client of the CLI commands that work through the API of a running server (`import posts`,
 * `jobs get`, `listen`) rather than the local database, and the failures they end with. Each failure
 * carries its exit code and the `code` the `--json` error object shows (docs/cli.md, "Exit codes").
 */

export interface ApiTarget {
  /** The server's base URL (`--base-url`, `AUDENCI_BASE_URL`). */
  apiUrl: string;
  key: string;
}

export const EXIT = {
  ok: 0,
  /** The command ran but did not fully succeed: some items failed, or the API refused the request. */
  failure: 1,
  usage: 2,
  connection: 3,
  authentication: 4,
  /** A bad server configuration variable (EX_CONFIG of sysexits.h). */
  config: 78,
} as const;

/** A failure that ends a command: the exit code, and the error object `--json` prints. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, exitCode: this.exitCode, ...this.details } };
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, 'USAGE_ERROR', message);

export interface ApiResponse {
  status: number;
  json: Record<string, unknown> | undefined;
  text: string;
}

/** One request to `/api/v1{route}`. A server that cannot be reached is a `CONNECTION_ERROR` (exit 3). */
export async function request(
  target: ApiTarget,
  method: string,
  route: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<ApiResponse> {
  const url = `${target.apiUrl.replace(/\/+$/, '')}/api/v1${route}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${target.key}`,
        'user-agent': `audenci-cli/${VERSION}`,
        ...(body !== undefined
          ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() }
          : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = (error as Error & { cause?: Error }).cause?.message ?? String(error);
    throw new CliError(EXIT.connection, 'CONNECTION_ERROR', `cannot reach ${url}: ${cause}`, { url });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as Record<string, unknown> | undefined, text };
}

/**
 * The failure an error answer means: 401 and 403 are authentication failures (exit 4), any other an
 * API failure (exit 1), each with the server's error code and message.
 */
export function apiFailure(res: ApiResponse): CliError {
  const error = res.json?.error as
    { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  const exitCode = res.status === 401 || res.status === 403 ? EXIT.authentication : EXIT.failure;
  if (!error) {
    return new CliError(
      exitCode,
      `HTTP_${res.status}`,
      `the server answered ${res.status}: ${res.text.slice(0, 200)}`,
      {
        status: res.status,
      },
    );
  }
  const field = typeof error.details?.field === 'string' ? ` (${error.details.field})` : '';
  return new CliError(exitCode, error.code ?? `HTTP_${res.status}`, `${error.message ?? ''}${field}`, {
    status: res.status,
    ...(error.details ? { details: error.details } : {}),
  });
}
