import type { ListKeysResponse } from '@aws-sdk/client-kms';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

const MAX_CACHED_PAGES = 64;

/** Freezes a page so that it can be shared between callers (and its wire text cached). */
function frozen(page: ListKeysResponse): ListKeysResponse {
  for (const k of page.Keys ?? []) Object.freeze(k);
  Object.freeze(page.Keys);
  return Object.freeze(page);
}

/**
 * ListKeys: the caller's keys in this Region (every state), in key id order, paged.
 * A page depends only on the set of keys, so it is built once and shared, frozen, until
 * a key is created or deleted; the wire endpoint then also reuses its JSON text.
 */
export const listKeys: OperationHandler<'ListKeys'> = async (ctx, input) => {
  const scope = ctx.scope();
  const cacheKey = `${input.Limit ?? ''} ${input.Marker ?? ''}`;
  const cached = scope.keyPages.get(cacheKey) as ListKeysResponse | undefined;
  if (cached) return cached;
  const page = paginate(scope.keyIdsSorted(), (id) => id, input.Limit, input.Marker);
  const out = frozen({
    Keys: page.items.map((id) => ({ KeyId: id, KeyArn: scope.keys.get(id)!.doc.arn })),
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
    Truncated: page.Truncated,
  });
  if (scope.keyPages.size >= MAX_CACHED_PAGES) scope.keyPages.clear();
  scope.keyPages.set(cacheKey, out);
  return out;
};
