import { sql, type Expression } from 'kysely';

/**
 * A jsonb column's value as written: JSON text. node-postgres would send a JS array as a
 * PostgreSQL array literal, so the generated types (prisma/schema.prisma, generator kysely)
 * take JSON columns as text on insert and update, and read them parsed.
 */
export function jsonb(value: unknown): string {
  return JSON.stringify(value);
}

/** A jsonb column's change: undefined leaves the column as it is. */
export function jsonbChange(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** A nullable jsonb column's change: undefined leaves the column, null stores SQL NULL. */
export function nullableJsonb(value: unknown): string | null | undefined {
  return value === undefined ? undefined : value === null ? null : JSON.stringify(value);
}

/** The database clock, for `updated_at` and leases (never an instance's own clock). */
export const now = () => sql<Date>`now()`;

/** The database clock `ms` milliseconds ago. */
export const ago = (ms: number) => sql<Date>`now() - make_interval(secs => ${ms / 1000})`;

/**
 * `doc->'key'` and `doc->>'key'` (as text) of a jsonb column or expression: jsonb columns are
 * typed `unknown`, which Kysely's JSON paths cannot traverse, so the operator is written out;
 * the column is still a typed reference (`eb.ref(...)`), and the key is document data.
 */
export const jsonField = (doc: Expression<unknown>, key: string) => sql<unknown>`${doc}->${sql.lit(key)}`;
export const jsonText = (doc: Expression<unknown>, key: string) => sql<string | null>`${doc}->>${sql.lit(key)}`;
