import type { Request } from 'express';
import { parsePaging, parseSort, toListQuery, type ListQuery } from '../../cckm/common/list.js';

/**
 * skip/limit/sort of a list request. skip and limit are read from the query string as
 * sent: the OpenAPI validator has already coerced `req.query` (`0x10` would be 16 there).
 */
export function listQuery(req: Request, sortable: Record<string, string>): { q: ListQuery; requestedLimit: number } {
  const raw = rawQuery(req);
  const { skip, limit } = parsePaging({ skip: raw.get('skip') ?? undefined, limit: raw.get('limit') ?? undefined });
  const sort = parseSort(raw.get('sort') ?? undefined, sortable);
  return { q: toListQuery({ skip, limit }, sort), requestedLimit: limit };
}

function rawQuery(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
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
