import { randomBytes } from 'node:crypto';
import type { CreateGrantRequest, GrantConstraints } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { accountRootArn } from '../model/arn.js';
import { MAX_GRANTS_PER_GRANTEE_PER_KEY, MAX_GRANTS_PER_KEY, type GrantDoc } from '../model/grant-record.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationContext, OperationHandler } from './context.js';
import type { KeyDoc } from '../model/key-record.js';
import { grantFor } from '../authz/authorizer.js';
import { endDryRun } from './crypto-key.js';
import { checkGrantTokens, grantOperationsFor, issueGrantToken } from './grant-support.js';

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
const canonical = (c: GrantConstraints | undefined) =>
  JSON.stringify(
    [c?.EncryptionContextEquals, c?.EncryptionContextSubset].map((m) => (m ? Object.entries(m).sort() : null)),
  );

/**
 * The request's constraints as AWS applies them: an empty map counts as absent (SDKs and
 * Terraform's hashicorp/aws send the unset one as `{}`), and at most one kind may remain.
 *
 * @throws ValidationException when both EncryptionContextEquals and EncryptionContextSubset have pairs
 */
function constraintsOf(input: CreateGrantRequest): GrantConstraints | undefined {
  const given = Object.entries(input.Constraints ?? {}).filter(
    ([, pairs]) => pairs !== undefined && Object.keys(pairs).length > 0,
  );
  if (given.length > 1) throw awsError('ValidationException', 'More than one constraint supplied');
  return given.length === 0 ? undefined : (structuredClone(Object.fromEntries(given)) as GrantConstraints);
}

/** A grant that a retried request with the same Name and parameters returns instead of a new one. */
function sameRequest(g: GrantDoc, input: CreateGrantRequest, constraints: GrantConstraints | undefined): boolean {
  return (
    g.name === input.Name &&
    g.granteePrincipal === input.GranteePrincipal &&
    g.retiringPrincipal === input.RetiringPrincipal &&
    sameSet(g.operations, input.Operations!) &&
    canonical(g.constraints) === canonical(constraints)
  );
}

const within = (outer: Record<string, string> | undefined, inner: Record<string, string> | undefined) =>
  !outer || (inner !== undefined && Object.entries(outer).every(([k, v]) => inner[k] === v));

/**
 * A grantee creating a grant through its own grant (AWS): only operations that grant
 * holds, and constraints at least as strict as its own.
 *
 * @throws AccessDeniedException
 */
function checkGrantByGrant(
  ctx: OperationContext,
  doc: KeyDoc,
  grants: readonly GrantDoc[],
  operations: readonly string[],
  constraints: GrantConstraints | undefined,
): void {
  if (!ctx.authz.decideKey(doc, {}).decision.decidedBy.startsWith('grant ')) return;
  const parent = grantFor(grants, ctx.authz.principal, 'CreateGrant', undefined);
  if (!parent) return;
  const extra = operations.filter((o) => !parent.operations.includes(o as never));
  const p = parent.constraints;
  const strictEnough = p?.EncryptionContextEquals
    ? within(p.EncryptionContextEquals, constraints?.EncryptionContextEquals) &&
      Object.keys(constraints?.EncryptionContextEquals ?? {}).length === Object.keys(p.EncryptionContextEquals).length
    : within(p?.EncryptionContextSubset, constraints?.EncryptionContextSubset ?? constraints?.EncryptionContextEquals);
  if (extra.length > 0 || !strictEnough) {
    throw awsError(
      'AccessDeniedException',
      `User: ${ctx.principalArn} is not authorized to perform: kms:CreateGrant on resource: ${doc.arn} because grant ${parent.grantId} allows only ${parent.operations.join(', ')}${p ? ' under its constraints' : ''}`,
    );
  }
}

/**
 * CreateGrant: gives GranteePrincipal the listed operations on the key (each must suit
 * the key's type), optionally with encryption context constraints (one kind; an empty map
 * counts as absent) and a retiring principal. With Name, an identical retried request
 * returns the existing GrantId (with a new token). AWS's quotas apply: 50 000 grants per
 * key, 500 per grantee per key.
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | ValidationException |
 *   InvalidGrantTokenException | LimitExceededException | DryRunOperationException
 */
export const createGrant: OperationHandler<'CreateGrant'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!, { crossAccount: true });
  const { doc } = entry;
  assertKeyUsable(doc, ctx.op);
  checkGrantTokens(ctx.registry, input.GrantTokens);
  const valid = grantOperationsFor(doc);
  const invalid = input.Operations!.filter((o) => !valid.includes(o));
  if (invalid.length > 0 || input.Operations!.length === 0) {
    throw awsError(
      'ValidationException',
      `Grant operations ${invalid.join(', ') || '(none)'} are not valid for ${doc.arn} (${doc.keySpec}, ${doc.keyUsage}).`,
    );
  }
  const constraints = constraintsOf(input);
  const scope = ctx.registry.scope(doc.accountId, doc.region);
  checkGrantByGrant(ctx, entry.doc, scope.grantsOf(doc.keyId), input.Operations!, constraints);
  const existing = scope.grantsOf(doc.keyId);
  const retried = input.Name === undefined ? undefined : existing.find((g) => sameRequest(g, input, constraints));
  if (!retried) {
    if (existing.length >= MAX_GRANTS_PER_KEY)
      throw awsError('LimitExceededException', `${doc.arn} has reached the limit of ${MAX_GRANTS_PER_KEY} grants.`);
    if (
      existing.filter((g) => g.granteePrincipal === input.GranteePrincipal).length >= MAX_GRANTS_PER_GRANTEE_PER_KEY
    ) {
      throw awsError(
        'LimitExceededException',
        `The grantee principal has reached the limit of ${MAX_GRANTS_PER_GRANTEE_PER_KEY} grants on ${doc.arn}.`,
      );
    }
  }
  endDryRun(input.DryRun);
  if (retried) return { GrantToken: issueGrantToken(retried, doc.arn), GrantId: retried.grantId };
  const grant: GrantDoc = {
    grantId: randomBytes(32).toString('hex'),
    keyId: doc.keyId,
    accountId: doc.accountId,
    region: doc.region,
    ...(input.Name !== undefined ? { name: input.Name } : {}),
    granteePrincipal: input.GranteePrincipal!,
    ...(input.RetiringPrincipal !== undefined ? { retiringPrincipal: input.RetiringPrincipal } : {}),
    operations: [...new Set(input.Operations!)],
    ...(constraints ? { constraints } : {}),
    creationDate: ctx.now.toISOString(),
    issuingAccount: accountRootArn(ctx.region, ctx.accountId),
    tokenSecret: randomBytes(32).toString('hex'),
  };
  const tx = ctx.begin();
  tx.putGrant(grant);
  await ctx.commit(tx);
  return { GrantToken: issueGrantToken(grant, doc.arn), GrantId: grant.grantId };
};
