import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { outageGuard } from './db-errors.js';

/**
 * `dialect` with every driver call guarded: a lost server surfaces as
 * DatabaseUnavailableError (503) from whichever query, transaction or connection was
 * running, never as a driver error (DESIGN "A lost database is a 503").
 */
export function outageAware(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new GuardedDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
  };
}

/** A connection whose statements are guarded; the driver's own calls get the inner one. */
class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return outageGuard(() => this.inner.executeQuery<R>(query));
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

const inner = (c: DatabaseConnection) => (c instanceof GuardedConnection ? c.inner : c);

class GuardedDriver implements Driver {
  constructor(private readonly driver: Driver) {}

  init() {
    return outageGuard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await outageGuard(() => this.driver.acquireConnection()));
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    return outageGuard(() => this.driver.beginTransaction(inner(c), settings));
  }

  commitTransaction(c: DatabaseConnection) {
    return outageGuard(() => this.driver.commitTransaction(inner(c)));
  }

  rollbackTransaction(c: DatabaseConnection) {
    return outageGuard(() => this.driver.rollbackTransaction(inner(c)));
  }

  releaseConnection(c: DatabaseConnection) {
    return this.driver.releaseConnection(inner(c));
  }

  destroy() {
    return this.driver.destroy();
  }
}
