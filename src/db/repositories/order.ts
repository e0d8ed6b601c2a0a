import type { ListQuery } from '../../cckm/common/list.js';

/** Prisma `orderBy` for a list query: the requested field, then `id` so pages are stable. */
export function orderBy(q: ListQuery, fallback: string = 'createdAt'): Record<string, 'asc' | 'desc'>[] {
  const field = q.sort?.field ?? fallback;
  const dir = q.sort?.desc ? 'desc' : 'asc';
  return field === 'id' ? [{ id: dir }] : [{ [field]: dir }, { id: dir }];
}
