import { awsError } from '../../errors/index.js';
import { accountOfPrincipal } from '../model/arn.js';
import type { GrantDoc } from '../model/grant-record.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { toGrantListEntry } from './grant-support.js';

/**
 * ListRetirableGrants: every grant in the caller's Region whose RetiringPrincipal is the
 * given principal, ordered by key ARN then creation. This includes grants on keys of other
 * accounts (the retiring principal may retire those). The caller needs
 * kms:ListRetirableGrants in its identity policies (authorized before the handler), and
 * may name only principals of its own account.
 *
 * @throws InvalidMarkerException | AccessDeniedException
 */
export const listRetirableGrants: OperationHandler<'ListRetirableGrants'> = async (ctx, input) => {
  // The caller's account only: another account's principals' grants are not its to see.
  if (accountOfPrincipal(input.RetiringPrincipal!) !== ctx.accountId) {
    throw awsError(
      'AccessDeniedException',
      `User: ${ctx.principalArn} is not authorized to perform: kms:ListRetirableGrants for principal ${input.RetiringPrincipal} of another account`,
    );
  }
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
