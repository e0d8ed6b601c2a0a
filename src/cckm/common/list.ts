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

/** Largest `skip` a list accepts (PostgreSQL's OFFSET is a bigint; this keeps it an int4). */
const MAX_SKIP = 2_147_483_647;

/** Largest explicit `limit` (the contract's bound; `-1` asks for up to {@link MAX_PAGE}). */
const MAX_LIMIT = 1000;

/**
 * `skip` and `limit` as the client wrote them: decimal digits only (no `0x10`, `1e3`,
 * `+5` or spaces), `skip` 0..{@link MAX_SKIP}, `limit` -1 or 0..{@link MAX_LIMIT}.
 * @throws ValidationError naming the parameter
 */
export function parsePaging(raw: { skip?: string; limit?: string }): { skip: number; limit: number } {
  const skip = raw.skip === undefined ? 0 : decimal(raw.skip, 'skip', 0, MAX_SKIP);
  const limit = raw.limit === undefined ? 10 : raw.limit === '-1' ? -1 : decimal(raw.limit, 'limit', 0, MAX_LIMIT);
  return { skip, limit };
}

function decimal(raw: string, name: string, min: number, max: number): number {
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    throw ValidationError.field(
      name,
      `must be a decimal integer from ${min} to ${max}${name === 'limit' ? ', or -1' : ''}`,
    );
  }
  return n;
}

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
  // Own properties only: `__proto__` or `constructor` must not find Object.prototype's.
  const field = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
  if (!field)
    throw ValidationError.field(
      'sort',
      `must be one of ${Object.keys(allowed).join(', ')}, optionally prefixed with -`,
    );
  return { field, desc };
}

export function toListQuery(q: { skip?: number; limit?: number }, sort?: { field: string; desc: boolean }): ListQuery {
  const skip = q.skip ?? 0;
  const limit = q.limit ?? 10;
  return { skip, limit: limit === -1 ? MAX_PAGE : Math.min(limit, MAX_PAGE), ...(sort ? { sort } : {}) };
}
