import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDatabaseError, isDatabaseUnavailable } from './errors.js';

const failure = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('database error classification', () => {
  it("names what a PostgreSQL failure says about the database, from its SQLSTATE or pg's message", () => {
    const cases: [Error, string][] = [
      [failure('sorry, too many clients already', '53300'), 'unavailable'],
      [failure('terminating connection due to administrator command', '57P01'), 'unavailable'],
      [failure('the database system is starting up', '57P03'), 'unavailable'],
      [failure('connection failure', '08006'), 'unavailable'],
      [failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'unavailable'],
      [failure('timeout exceeded when trying to connect'), 'unavailable'],
      [failure('Connection terminated unexpectedly'), 'unavailable'],
      [failure('Client was closed and is not queryable'), 'unavailable'],
      [failure('canceling statement due to statement timeout', '57014'), 'timeout'],
      [failure('Query read timeout'), 'timeout'],
      [failure('could not serialize access due to concurrent update', '40001'), 'conflict'],
      [failure('deadlock detected', '40P01'), 'conflict'],
    ];
    for (const [error, kind] of cases) assert.equal(classifyDatabaseError(error), kind, error.message);
  });

  it('names a locked SQLite database busy', () => {
    assert.equal(classifyDatabaseError(failure('database is locked', 'SQLITE_BUSY')), 'busy');
    assert.equal(classifyDatabaseError(failure('database table is locked', 'SQLITE_LOCKED')), 'busy');
  });

  it("leaves the caller's mistakes and everything else unclassified", () => {
    const others: unknown[] = [
      failure('duplicate key value violates unique constraint', '23505'),
      failure('UNIQUE constraint failed: brands.slug', 'SQLITE_CONSTRAINT_UNIQUE'),
      failure('syntax error at or near "selec"', '42601'),
      failure('no such table: nope', 'SQLITE_ERROR'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      { code: '57014', message: 'not an Error' },
      'Connection terminated unexpectedly',
      undefined,
    ];
    for (const error of others) {
      assert.equal(classifyDatabaseError(error), undefined, String(error));
      assert.equal(isDatabaseUnavailable(error), false, String(error));
    }
  });
});
