import { ValidationError } from '../../errors/index.js';

/** Paging and sorting of a list request, already bounded. `limit` -1 means all. */
export interface ListQuery {
  skip: number;
  limit: number;
  sort?: { field: string; desc: boolean };
}

/** The original product's list envelope. */
export interface Page<T> {
  skip: number;
  limit: number;
  total: number;
  resources: T[];
}

/** Upper bound on one page, including `limit=-1`, so no request loads an unbounded table. */
export const MAX_PAGE = 10_000;

/**
 * Resolves `sort=field` / `sort=-field` against the fields a list allows.
 * @throws ValidationError naming `sort` for an unknown field.
 */
export function parseSort<F extends string>(
  raw: string | undefined,
  allowed: Record<string, F>,
): { field: F; desc: boolean } | undefined {
  if (!raw) return undefined;
  const desc = raw.startsWith('-');
  const name = desc ? raw.slice(1) : raw;
  const field = allowed[name];
  if (!field) throw ValidationError.field('sort', `must be one of ${Object.keys(allowed).join(', ')}, optionally prefixed with -`);
  return { field, desc };
}

export function toListQuery(q: { skip?: number; limit?: number }, sort?: { field: string; desc: boolean }): ListQuery {
  const skip = q.skip ?? 0;
  const limit = q.limit ?? 10;
  return { skip, limit: limit === -1 ? MAX_PAGE : Math.min(limit, MAX_PAGE), ...(sort ? { sort } : {}) };
}
