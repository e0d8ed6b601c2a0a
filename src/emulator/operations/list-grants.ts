import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { toGrantListEntry } from './grant-support.js';

/**
 * ListGrants: the key's grants, oldest first, optionally only one GrantId or one
 * GranteePrincipal; pages like every KMS List operation. Works in every key state.
 *
 * @throws NotFoundException | AccessDeniedException | InvalidMarkerException
 */
export const listGrants: OperationHandler<'ListGrants'> = async (ctx, input) => {
  const { doc } = ctx.findKey(input.KeyId!, { crossAccount: true });
  const all = ctx.registry
    .scope(doc.accountId, doc.region)
    .grantsOf(doc.keyId)
    .filter(
      (g) =>
        (input.GrantId === undefined || g.grantId === input.GrantId) &&
        (input.GranteePrincipal === undefined || g.granteePrincipal === input.GranteePrincipal),
    );
  const page = paginate(all, (g) => `${g.creationDate}/${g.grantId}`, input.Limit, input.Marker);
  return {
    Grants: page.items.map((g) => toGrantListEntry(g, doc.arn)),
    Truncated: page.Truncated,
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
  };
};
