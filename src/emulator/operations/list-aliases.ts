import type { AliasListEntry } from '@aws-sdk/client-kms';
import { aliasArn } from '../model/arn.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

/**
 * ListAliases: the caller's aliases in this Region in name order, or only those of one
 * key (KeyId as key id or key ARN), paged.
 *
 * @throws NotFoundException when KeyId names no key
 */
export const listAliases: OperationHandler<'ListAliases'> = async (ctx, input) => {
  const scope = ctx.scope();
  const keyId = input.KeyId === undefined ? undefined : ctx.findKey(input.KeyId).doc.keyId;
  const names = scope
    .aliasNamesSorted()
    .filter((n) => keyId === undefined || scope.aliases.get(n)!.targetKeyId === keyId);
  const page = paginate(names, (n) => n, input.Limit, input.Marker);
  const Aliases: AliasListEntry[] = page.items.map((n) => {
    const a = scope.aliases.get(n)!;
    return {
      AliasName: a.aliasName,
      AliasArn: aliasArn(ctx.region, ctx.accountId, a.aliasName),
      TargetKeyId: a.targetKeyId,
      CreationDate: new Date(a.creationDate),
      LastUpdatedDate: new Date(a.lastUpdatedDate),
    };
  });
  return { Aliases, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}), Truncated: page.Truncated };
};
