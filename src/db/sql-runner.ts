/** The minimal raw-SQL surface the migrator and test helpers need, over pg or PGlite. */
export interface SqlRunner {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` with the same connection held throughout (needed for advisory locks). */
  withConnection<T>(fn: (conn: Omit<SqlRunner, 'withConnection'>) => Promise<T>): Promise<T>;
}
