import { awsError } from '../../errors/index.js';
import { aliasArn } from '../model/arn.js';
import { assertKeyUsable } from '../model/key-state.js';
import { checkAliasName, checkAliasRetarget } from './alias-rules.js';
import type { OperationHandler } from './context.js';

/**
 * UpdateAlias: points an existing alias at another key of the same type and usage.
 *
 * @throws ValidationException | NotAuthorizedException | NotFoundException | KMSInvalidStateException
 */
export const updateAlias: OperationHandler<'UpdateAlias'> = async (ctx, input) => {
  const name = input.AliasName!;
  checkAliasName(name);
  const alias = ctx.scope().aliases.get(name);
  if (!alias) throw awsError('NotFoundException', `Alias '${aliasArn(ctx.region, ctx.accountId, name)}' is not found.`);
  const target = ctx.findKey(input.TargetKeyId!);
  assertKeyUsable(target.doc, ctx.op);
  const current = ctx.scope().keys.get(alias.targetKeyId);
  if (current) checkAliasRetarget(current.doc, target.doc);
  const tx = ctx.begin();
  tx.putAlias({ ...alias, targetKeyId: target.doc.keyId, lastUpdatedDate: ctx.now.toISOString() });
  await ctx.commit(tx);
  return {};
};
