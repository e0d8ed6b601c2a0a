import { awsError } from '../../errors/index.js';
import { aliasArn } from '../model/arn.js';
import { checkAliasName } from './alias-rules.js';
import type { OperationHandler } from './context.js';

/**
 * DeleteAlias: removes an alias; the key is unaffected (allowed in every key state).
 *
 * @throws ValidationException | NotAuthorizedException | NotFoundException
 */
export const deleteAlias: OperationHandler<'DeleteAlias'> = async (ctx, input) => {
  const name = input.AliasName!;
  checkAliasName(name);
  if (!ctx.scope().aliases.has(name)) {
    throw awsError('NotFoundException', `Alias '${aliasArn(ctx.region, ctx.accountId, name)}' is not found.`);
  }
  const tx = ctx.begin();
  tx.deleteAlias(ctx.accountId, ctx.region, name);
  await ctx.commit(tx);
  return {};
};
