import type { GrantDoc } from '../model/grant-record.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { toGrantListEntry } from './grant-support.js';

/**
 * ListRetirableGrants: every grant in the caller's account and Region whose
 * RetiringPrincipal is the given principal, ordered by key then creation.
 *
 * @throws InvalidMarkerException
 */
export const listRetirableGrants: OperationHandler<'ListRetirableGrants'> = async (ctx, input) => {
  const scope = ctx.scope();
  const all: GrantDoc[] = [];
  for (const grants of scope.grants.values()) for (const g of grants.values()) if (g.retiringPrincipal === input.RetiringPrincipal) all.push(g);
  all.sort((a, b) => (a.keyId === b.keyId ? a.creationDate.localeCompare(b.creationDate) : a.keyId < b.keyId ? -1 : 1));
  const page = paginate(all, (g) => `${g.keyId}/${g.creationDate}/${g.grantId}`, input.Limit, input.Marker);
  const arnOf = (g: GrantDoc) => scope.keys.get(g.keyId)?.doc.arn ?? g.keyId;
  return { Grants: page.items.map((g) => toGrantListEntry(g, arnOf(g))), Truncated: page.Truncated, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}) };
};
