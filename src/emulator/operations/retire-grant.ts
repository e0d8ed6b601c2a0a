import { awsError } from '../../errors/index.js';
import type { GrantDoc } from '../model/grant-record.js';
import type { OperationContext, OperationHandler } from './context.js';
import { endDryRun } from './crypto-key.js';
import { assertGrantId, grantOfToken } from './grant-support.js';

const notFound = () => awsError('NotFoundException', 'Grant not found.');

/** The grant RetireGrant names: by GrantToken, or by key ARN and GrantId. */
function grantToRetire(
  ctx: OperationContext,
  token: string | undefined,
  keyId: string | undefined,
  grantId: string | undefined,
): GrantDoc {
  if (token !== undefined) {
    const g = grantOfToken(ctx.registry, token);
    if (!g || (grantId !== undefined && g.grantId !== grantId)) throw notFound();
    return g;
  }
  if (keyId === undefined || grantId === undefined) {
    throw awsError('ValidationException', 'Specify either GrantToken, or both KeyId (a key ARN) and GrantId.');
  }
  assertGrantId(grantId);
  const { doc } = ctx.findKey(keyId, { crossAccount: true });
  const g = ctx.registry.scope(doc.accountId, doc.region).grants.get(doc.keyId)?.get(grantId);
  if (!g) throw notFound();
  return g;
}

/**
 * RetireGrant: deletes a grant, named by its token or by key ARN and GrantId. (The
 * emulator's callers act as their account root, which may retire any grant of its keys.)
 *
 * @throws InvalidGrantTokenException | InvalidGrantIdException | NotFoundException | ValidationException | DryRunOperationException
 */
export const retireGrant: OperationHandler<'RetireGrant'> = async (ctx, input) => {
  const grant = grantToRetire(ctx, input.GrantToken, input.KeyId, input.GrantId);
  endDryRun(input.DryRun);
  const tx = ctx.begin();
  tx.deleteGrant(grant);
  await ctx.commit(tx);
  return {};
};
