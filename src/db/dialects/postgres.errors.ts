import type { DatabaseErrorKind } from './types.js';

/** SQLSTATEs (and the socket errors pg passes on) that say "try again shortly", by kind. */
const CODES = new Map<string, DatabaseErrorKind>([
  ['53300', 'unavailable'], // too_many_connections
  ['57P01', 'unavailable'], // admin_shutdown (connections killed)
  ['57P02', 'unavailable'], // crash_shutdown
  ['57P03', 'unavailable'], // cannot_connect_now
  ['08000', 'unavailable'], // connection_exception
  ['08001', 'unavailable'], // sqlclient_unable_to_establish_sqlconnection
  ['08003', 'unavailable'], // connection_does_not_exist
  ['08004', 'unavailable'], // sqlserver_rejected_establishment_of_sqlconnection
  ['08006', 'unavailable'], // connection_failure
  ['ECONNREFUSED', 'unavailable'],
  ['ECONNRESET', 'unavailable'],
  ['ETIMEDOUT', 'unavailable'],
  ['EPIPE', 'unavailable'],
  ['57014', 'timeout'], // query_canceled (the statement timeout)
  ['40001', 'conflict'], // serialization_failure
  ['40P01', 'conflict'], // deadlock_detected
]);

/**
 * pg's own messages, which carry no code: a pool with no free connection in time, a connection that
 * could not be opened in time, one lost or cut meanwhile — and a query that got no answer in time
 * (`query_timeout`: the server is frozen or unreachable).
 */
const UNAVAILABLE_MESSAGES =
  /(timeout exceeded when trying to connect|Connection terminated unexpectedly|Connection terminated due to connection timeout|timeout expired|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;
const TIMEOUT_MESSAGES = /Query read timeout/;

/** What a failure of PostgreSQL (or of pg talking to it) says about the database, if anything. */
export function classifyPostgresError(error: unknown): DatabaseErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const kind = typeof code === 'string' ? CODES.get(code) : undefined;
  if (kind) return kind;
  if (UNAVAILABLE_MESSAGES.test(error.message)) return 'unavailable';
  if (TIMEOUT_MESSAGES.test(error.message)) return 'timeout';
  return undefined;
}
