import type { Request } from 'express';
import { parseSort, toListQuery, type ListQuery } from '../../cckm/common/list.js';

/** skip/limit/sort of a list request (already type-checked by the OpenAPI validator). */
export function listQuery(req: Request, sortable: Record<string, string>): { q: ListQuery; requestedLimit: number } {
  const skip = Number(req.query.skip ?? 0);
  const limit = Number(req.query.limit ?? 10);
  const sort = parseSort(req.query.sort as string | undefined, sortable);
  return { q: toListQuery({ skip, limit }, sort), requestedLimit: limit };
}

/** A query parameter that may repeat, as an array (undefined when absent). */
export function many(req: Request, name: string): string[] | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

/** "true"/"false" → boolean; absent → undefined. */
export function flag(req: Request, name: string): boolean | undefined {
  const v = one(req, name);
  return v === undefined ? undefined : v === 'true';
}

export const COMMON_SORT = { createdAt: 'createdAt', updatedAt: 'updatedAt', name: 'name', id: 'id' };
