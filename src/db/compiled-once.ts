import { createHash } from 'node:crypto';
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { DB } from './generated/db.js';

/**
 * The SQL of every CompiledOnce statement and the name PostgreSQL prepares it under. A name is
 * a digest of the text, so the same statement has the same name in every app of the process;
 * the set is finite (statements are built once, when a repository is), so each pooled
 * connection keeps at most this many prepared statements.
 */
const PREPARED = new Map<string, string>();

/**
 * The name to prepare `sql` under, when it is a CompiledOnce statement: the pg connection then
 * parses and plans it once (`database.ts`), instead of on every run.
 */
export function preparedNameOf(sql: string): string | undefined {
  return PREPARED.get(sql);
}

/**
 * A statement of fixed shape, built and compiled by Kysely once, then run with new values.
 * Kysely builds, plugin-transforms (column names) and compiles a query on every call: for a
 * primary-key read that was ~6 % of a `GET /keys/{id}` (profile in DESIGN.md, "Speed"). The
 * shape is built with one placeholder per argument (a string standing in for a value of any
 * type); each must reach the compiled statement as bind parameters only, at least one, never
 * inlined into the SQL, which is checked here, once. An argument used in several places fills
 * each. Rows still pass through the Kysely instance's plugins (column names) on every run. On
 * PostgreSQL the statement is also prepared, once per pooled connection, under a name
 * ({@link preparedNameOf}): a primary-key read then costs the server no parse and no plan.
 * `prepared: false` leaves a statement unnamed, for one whose best plan depends on its values.
 */
export class CompiledOnce<A extends readonly unknown[], R> {
  private readonly compiled: CompiledQuery<R>;
  /** For each bind parameter: the index of the argument it takes, or -1 for a constant. */
  private readonly slots: number[];

  constructor(
    private readonly db: Kysely<DB>,
    arity: A['length'],
    build: (...args: A) => Compilable<R>,
    options: { prepared?: boolean } = {},
  ) {
    const marks = Array.from({ length: arity }, (_, i) => `\u0000compiled-once-argument-${i}\u0000`);
    this.compiled = build(...(marks as unknown as A)).compile();
    this.slots = this.compiled.parameters.map((p) => marks.indexOf(p as string));
    if (this.compiled.sql.includes('\u0000')) throw new Error('CompiledOnce: an argument was inlined into the SQL');
    for (let i = 0; i < arity; i++) {
      if (!this.slots.includes(i)) throw new Error(`CompiledOnce: argument ${i} must be a bind parameter`);
    }
    const sql = this.compiled.sql;
    if (options.prepared !== false && !PREPARED.has(sql))
      PREPARED.set(sql, `cckm_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`);
  }

  /** Runs the statement with `args` as its values; the rows as the plugins map them. */
  async execute(...args: A): Promise<R[]> {
    const parameters = this.slots.map((slot, i) => (slot < 0 ? this.compiled.parameters[i] : args[slot]));
    return (await this.db.executeQuery<R>({ ...this.compiled, parameters })).rows;
  }
}
