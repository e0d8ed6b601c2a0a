import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

/** AWS's ListResourceTags default (and useful maximum: a key has at most 50 tags). */
const DEFAULT_TAG_LIMIT = 50;

/**
 * ListResourceTags: a key's tags in tag-key order, paged (any key state).
 *
 * @throws NotFoundException
 */
export const listResourceTags: OperationHandler<'ListResourceTags'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  const sorted = [...entry.doc.tags].sort((a, b) => (a.TagKey! < b.TagKey! ? -1 : a.TagKey! > b.TagKey! ? 1 : 0));
  const page = paginate(sorted, (t) => t.TagKey!, input.Limit ?? DEFAULT_TAG_LIMIT, input.Marker);
  return {
    Tags: page.items.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })),
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
    Truncated: page.Truncated,
  };
};
