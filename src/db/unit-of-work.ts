import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type OperationNode,
  type QueryResult,
  type SelectQueryNode,
  type TransactionSettings,
} from 'kysely';

/**
 * Units of work: every database write of one piece of work (an idempotent request), committed in one
 * transaction together with the record of what the work answered — so that the record exists exactly
 * when the work does.
 *
 * It lives in the driver, under Kysely, so the code inside a unit does not change and cannot escape it:
 * while a unit is active (`runInUnit`), every query its code sends through the database goes through the
 * unit:
 * - reads before the first write run as usual, on a connection of their own: no transaction is held while
 *   nothing has been written (a request may stream an upload or call a platform first);
 * - the first write (an insert, update, delete or raw statement, or a `transaction()`) opens the unit's
 *   transaction on a connection it keeps; from then on every query runs there, so the work reads what it
 *   wrote (on PostgreSQL another pooled connection would not see it yet);
 * - each `db.transaction()` inside runs as a savepoint of the unit's transaction: failing undoes its own
 *   writes only, as its own transaction would have;
 * - nothing commits until the owner calls `commit(last)`, which runs `last` in the same transaction (the
 *   idempotency record) and commits; `rollback()` undoes everything.
 *
 * On SQLite the unit holds the one connection from its first write to its end: other work waits, as it
 * waits for any transaction. Code inside a unit must use the same database (a second handle on the same
 * file would wait for the unit, which waits for it).
 */
export class UnitOfWork {
  private connection: DatabaseConnection | undefined;
  private opening: Promise<DatabaseConnection> | undefined;
  private readonly savepoints: string[] = [];
  private counter = 0;
  private ended = false;
  /** The unit's own async context, while it lives (see `runInUnit`). */
  scope: AsyncLocalStorage<UnitOfWork> | undefined;

  constructor(private readonly driver: UnitAwareDriver) {}

  /** Has the work written anything yet (is the transaction open). */
  get open(): boolean {
    return this.connection !== undefined;
  }

  /** Does `driver` serve this unit (a unit belongs to the database it was begun on). */
  belongsTo(driver: UnitAwareDriver): boolean {
    return driver === this.driver;
  }

  /** The unit's connection, in its transaction (begun now if the work has not written yet). */
  transactional(): Promise<DatabaseConnection> {
    if (this.ended) return Promise.reject(new Error('This unit of work has ended'));
    this.opening ??= (async () => {
      const connection = await this.driver.inner.acquireConnection();
      try {
        await this.driver.inner.beginTransaction(connection, {});
      } catch (error) {
        await this.driver.inner.releaseConnection(connection);
        throw error;
      }
      this.connection = connection;
      return connection;
    })();
    return this.opening;
  }

  async beginNested(): Promise<void> {
    const connection = await this.transactional();
    const name = `uow_${++this.counter}`;
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${name}`));
    this.savepoints.push(name);
  }

  async endNested(commit: boolean): Promise<void> {
    const name = this.savepoints[this.savepoints.length - 1];
    if (!name || !this.connection) throw new Error('No nested transaction is open in this unit of work');
    const connection = this.connection;
    if (commit) {
      // Forgotten only once released: when the release fails (a connection cut mid-commit), the rollback
      // that follows still finds it, and the caller sees the database's own error (a 503), not this one's.
      await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
      this.savepoints.pop();
      return;
    }
    this.savepoints.pop();
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`));
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
  }

  /**
   * Runs `last` in the unit (so in its transaction, opened now if the work wrote nothing) and commits.
   * If `last` or the commit fails, everything is rolled back and the error is thrown.
   */
  async commit(last: () => Promise<void>): Promise<void> {
    try {
      await runInUnit(this, last);
      const connection = await this.transactional();
      this.ended = true;
      await this.driver.inner.commitTransaction(connection);
      await this.release();
      this.leave();
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /** Undoes whatever the work wrote. Safe at any time, and more than once. */
  async rollback(): Promise<void> {
    this.ended = true;
    this.leave();
    const connection = this.connection ?? (await this.opening?.catch(() => undefined));
    if (!connection) return;
    try {
      await this.driver.inner.rollbackTransaction(connection);
    } catch {
      // The connection is gone (killed, or the commit already failed): nothing is left to undo.
    }
    await this.release();
  }

  /** Ends the unit's async context (and, with the last unit, Node's async-context tracking). */
  private leave(): void {
    if (!this.scope) return;
    scopes.delete(this.scope);
    this.scope.disable();
    this.scope = undefined;
  }

  private async release(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await this.driver.inner.releaseConnection(connection);
  }
}

/**
 * The async contexts of the units alive now, one per unit. On Node 20 an AsyncLocalStorage in use slows
 * every promise of the process (about 2× on promise-heavy code); each unit disables its own when it ends,
 * so the cost is paid only while idempotent requests are in flight.
 */
const scopes = new Set<AsyncLocalStorage<UnitOfWork>>();

/** Runs `fn` with `unit` active for every query it (and what it calls) sends. */
export function runInUnit<T>(unit: UnitOfWork, fn: () => T): T {
  if (!unit.scope) {
    unit.scope = new AsyncLocalStorage<UnitOfWork>();
    scopes.add(unit.scope);
  }
  return unit.scope.run(unit, fn);
}

/** Whether code of a unit of work is running now (its queries go through the unit). */
export function inUnit(): boolean {
  return scopes.size !== 0 && activeUnit() !== undefined;
}

/** The unit whose code is running now, if any. */
function activeUnit(): UnitOfWork | undefined {
  for (const scope of scopes) {
    const unit = scope.getStore();
    if (unit) return unit;
  }
  return undefined;
}

/**
 * A read leaves a unit that has not written alone; anything else (a write, raw SQL, DDL, or a SELECT
 * whose `WITH` writes: `with x as (insert …) select …`) opens it.
 */
function opensUnit(query: CompiledQuery): boolean {
  return writes(query.query);
}

function writes(node: OperationNode): boolean {
  if (node.kind !== 'SelectQueryNode') return true;
  return (node as SelectQueryNode).with?.expressions.some((cte) => writes(cte.expression)) ?? false;
}

/** The connection code inside a unit gets: the unit's own, or (for reads before any write) a pooled one. */
class UnitConnection implements DatabaseConnection {
  constructor(
    readonly unit: UnitOfWork,
    private readonly driver: Driver,
  ) {}

  private async target<R>(query: CompiledQuery, run: (c: DatabaseConnection) => Promise<R>): Promise<R> {
    if (this.unit.open || opensUnit(query)) return run(await this.unit.transactional());
    const connection = await this.driver.acquireConnection();
    try {
      return await run(connection);
    } finally {
      await this.driver.releaseConnection(connection);
    }
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.target(query, (c) => c.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    // Streams are reads; inside an open unit they must see its writes.
    const connection = this.unit.open ? await this.unit.transactional() : undefined;
    if (connection) {
      yield* connection.streamQuery<R>(query, chunkSize);
      return;
    }
    const own = await this.driver.acquireConnection();
    try {
      yield* own.streamQuery<R>(query, chunkSize);
    } finally {
      await this.driver.releaseConnection(own);
    }
  }
}

/** A driver that serves units of work (see `UnitOfWork`) and is its inner driver otherwise. */
export class UnitAwareDriver implements Driver {
  constructor(readonly inner: Driver) {}

  private unit(): UnitOfWork | undefined {
    const unit = scopes.size === 0 ? undefined : activeUnit();
    return unit?.belongsTo(this) ? unit : undefined;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const unit = this.unit();
    return unit ? new UnitConnection(unit, this.inner) : this.inner.acquireConnection();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (connection instanceof UnitConnection) return connection.unit.beginNested();
    return this.inner.beginTransaction(connection, settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof UnitConnection) return connection.unit.endNested(true);
    return this.inner.commitTransaction(connection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof UnitConnection) return connection.unit.endNested(false);
    return this.inner.rollbackTransaction(connection);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof UnitConnection) return;
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  /** A new unit of work on this database. */
  begin(): UnitOfWork {
    return new UnitOfWork(this);
  }
}

/** The dialect with its driver made unit-aware; everything else is the dialect's own. */
export function unitAware(dialect: Dialect): { dialect: Dialect; units: () => UnitOfWork } {
  let driver: UnitAwareDriver | undefined;
  const wrapped: Dialect = {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => (driver = new UnitAwareDriver(dialect.createDriver())),
  };
  return {
    dialect: wrapped,
    units: () => {
      if (!driver) throw new Error('The database has not been opened yet');
      return driver.begin();
    },
  };
}
