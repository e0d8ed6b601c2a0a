import type { SelectQueryBuilder, StringReference } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type { DB } from '../database.js';

/**
 * A list's `total` and one page of it, in parallel over the same filter: sorted by the
 * requested field (one the route allowed; `fallback` otherwise), then by `id` so pages are
 * stable.
 */
export async function listPage<TB extends keyof DB, C extends StringReference<DB, TB>>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  q: ListQuery,
  sort: { fields: readonly C[]; fallback: C; id: C },
) {
  const field = sort.fields.find((f) => f === q.sort?.field) ?? sort.fallback;
  const dir = q.sort?.desc ? 'desc' : 'asc';
  const ordered = field === sort.id ? filtered.orderBy(field, dir) : filtered.orderBy(field, dir).orderBy(sort.id, dir);
  const [counted, rows] = await Promise.all([
    filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
    ordered.selectAll().limit(q.limit).offset(q.skip).execute(),
  ]);
  return { total: Number(counted?.total ?? 0), rows };
}

/** How many rows a filtered query has. */
export async function countOf<TB extends keyof DB>(filtered: SelectQueryBuilder<DB, TB, object>): Promise<number> {
  const row = await filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst();
  return Number(row?.total ?? 0);
}
