import type { GrantDoc } from '../model/grant-record.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { toGrantListEntry } from './grant-support.js';

/**
 * ListRetirableGrants: every grant in the caller's Region whose RetiringPrincipal is the
 * given principal, ordered by key ARN then creation. As AWS documents, this includes
 * grants on keys of other accounts (the retiring principal may retire those), and needs
 * no permission in those accounts.
 *
 * @throws InvalidMarkerException
 */
export const listRetirableGrants: OperationHandler<'ListRetirableGrants'> = async (ctx, input) => {
  const found: { arn: string; grant: GrantDoc }[] = [];
  for (const entry of ctx.registry.allKeys()) {
    const { doc } = entry;
    if (doc.region !== ctx.region) continue;
    for (const g of ctx.registry.scope(doc.accountId, doc.region).grantsOf(doc.keyId)) {
      if (g.retiringPrincipal === input.RetiringPrincipal) found.push({ arn: doc.arn, grant: g });
    }
  }
  found.sort((a, b) =>
    a.arn === b.arn ? a.grant.creationDate.localeCompare(b.grant.creationDate) : a.arn < b.arn ? -1 : 1,
  );
  const page = paginate(found, (f) => `${f.arn}/${f.grant.creationDate}/${f.grant.grantId}`, input.Limit, input.Marker);
  return {
    Grants: page.items.map((f) => toGrantListEntry(f.grant, f.arn)),
    Truncated: page.Truncated,
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
  };
};
