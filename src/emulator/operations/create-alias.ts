import { awsError } from '../../errors/index.js';
import { aliasArn } from '../model/arn.js';
import { assertKeyUsable } from '../model/key-state.js';
import { checkAliasName } from './alias-rules.js';
import type { OperationHandler } from './context.js';

/**
 * CreateAlias: a new `alias/...` name for a key of the caller's account and Region.
 *
 * @throws ValidationException | NotAuthorizedException | AlreadyExistsException | NotFoundException |
 *   KMSInvalidStateException
 */
export const createAlias: OperationHandler<'CreateAlias'> = async (ctx, input) => {
  const name = input.AliasName!;
  checkAliasName(name);
  const entry = ctx.findKey(input.TargetKeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  if (ctx.scope().aliases.has(name)) {
    throw awsError(
      'AlreadyExistsException',
      `An alias with the name ${aliasArn(ctx.region, ctx.accountId, name)} already exists`,
    );
  }
  const now = ctx.now.toISOString();
  const tx = ctx.begin();
  tx.putAlias({
    aliasName: name,
    accountId: ctx.accountId,
    region: ctx.region,
    targetKeyId: entry.doc.keyId,
    creationDate: now,
    lastUpdatedDate: now,
  });
  await ctx.commit(tx);
  return {};
};
