import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

/** ListKeys: the caller's keys in this Region (every state), in key id order, paged. */
export const listKeys: OperationHandler<'ListKeys'> = async (ctx, input) => {
  const scope = ctx.scope();
  const page = paginate(scope.keyIdsSorted(), (id) => id, input.Limit, input.Marker);
  return {
    Keys: page.items.map((id) => ({ KeyId: id, KeyArn: scope.keys.get(id)!.doc.arn })),
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
    Truncated: page.Truncated,
  };
};
