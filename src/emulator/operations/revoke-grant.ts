import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { endDryRun } from './crypto-key.js';
import { assertGrantId } from './grant-support.js';

/**
 * RevokeGrant: deletes a grant of the key by GrantId, in any key state.
 *
 * @throws InvalidGrantIdException | NotFoundException | AccessDeniedException | DryRunOperationException
 */
export const revokeGrant: OperationHandler<'RevokeGrant'> = async (ctx, input) => {
  assertGrantId(input.GrantId!);
  const { doc } = ctx.findKey(input.KeyId!, { crossAccount: true });
  const grant = ctx.registry.scope(doc.accountId, doc.region).grants.get(doc.keyId)?.get(input.GrantId!);
  if (!grant) throw awsError('NotFoundException', `Grant ${input.GrantId} does not exist on ${doc.arn}.`);
  endDryRun(input.DryRun);
  const tx = ctx.begin();
  tx.deleteGrant(grant);
  await ctx.commit(tx);
  return {};
};
