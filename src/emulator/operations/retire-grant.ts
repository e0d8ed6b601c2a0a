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
  const { doc } = ctx.findKey(keyId, { crossAccount: true, skipAuthorization: true });
  const g = ctx.registry.scope(doc.accountId, doc.region).grants.get(doc.keyId)?.get(grantId);
  if (!g) throw notFound();
  return g;
}

/**
 * Who may retire a grant (AWS): its retiring principal, its grantee when the grant
 * includes RetireGrant, or a principal of the key's account that the key policy (and its
 * identity policies) allow kms:RetireGrant.
 *
 * @throws AccessDeniedException
 */
function authorizeRetire(ctx: OperationContext, grant: GrantDoc): void {
  const p = ctx.authz.principal;
  const names = (who: string | undefined) => who !== undefined && (who === p.arn || who === p.roleArn);
  const entry = ctx.registry.scope(grant.accountId, grant.region).keys.get(grant.keyId);
  const resource = entry?.doc.arn ?? grant.keyId;
  const action = 'kms:RetireGrant';
  if (names(grant.retiringPrincipal)) {
    const by = `grant ${grant.grantId} (its retiring principal)`;
    return ctx.authz.enforce({ allowed: true, decidedBy: by, explanation: `${by} may retire it.` }, action, resource);
  }
  if (names(grant.granteePrincipal) && grant.operations.includes('RetireGrant')) {
    const by = `grant ${grant.grantId} (its grantee, with RetireGrant)`;
    return ctx.authz.enforce({ allowed: true, decidedBy: by, explanation: `${by} may retire it.` }, action, resource);
  }
  if (entry && p.accountId === grant.accountId) return ctx.authz.authorizeKey(entry);
  ctx.authz.enforce(
    {
      allowed: false,
      decidedBy: 'implicit deny',
      explanation: 'Only the retiring principal, a grantee with RetireGrant, or the key account may retire a grant.',
      denial: 'no-resource-allow',
    },
    action,
    resource,
  );
}

/**
 * RetireGrant: deletes a grant, named by its token or by key ARN and GrantId, if the
 * caller may retire it (see authorizeRetire).
 *
 * @throws InvalidGrantTokenException | InvalidGrantIdException | NotFoundException | ValidationException |
 *   AccessDeniedException | DryRunOperationException
 */
export const retireGrant: OperationHandler<'RetireGrant'> = async (ctx, input) => {
  const grant = grantToRetire(ctx, input.GrantToken, input.KeyId, input.GrantId);
  authorizeRetire(ctx, grant);
  endDryRun(input.DryRun);
  const tx = ctx.begin();
  tx.deleteGrant(grant);
  await ctx.commit(tx);
  return {};
};
