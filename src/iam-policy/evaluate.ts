import { failedCondition, type ConditionContext } from './conditions.js';
import {
  matchPrincipal,
  statementCovers,
  statementLabel,
  type CompiledPolicy,
  type CompiledStatement,
  type PrincipalMatch,
  type RequestPrincipal,
} from './policy.js';

/**
 * AWS's policy evaluation for a resource with a resource policy (a KMS key and its key
 * policy, an IAM role and its trust policy) and for account-level actions (identity
 * policies only), with an explanation of what decided.
 *
 * Order (AWS's documented logic, as KMS applies it):
 * 1. an explicit Deny in the resource policy or in an identity policy denies;
 * 2. account-level actions (no resource policy): an identity policy must allow;
 * 3. a resource-policy Allow naming the caller (or `*`) allows in the resource's own
 *    account; across accounts an identity policy must allow too;
 * 4. a resource-policy Allow naming the caller's account root delegates to the caller's
 *    identity policies, which must allow;
 * 5. a grant whose grantee is the caller allows (KMS only; the caller supplies it);
 * 6. anything else is an implicit deny.
 * A principal whose identity policies are not configured counts as allowed by them
 * (`undefined`, not an empty list): the emulator's account roots and undeclared users.
 *
 * Pure: imports nothing from src.
 */

/** A named policy as an explanation cites it. */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: CompiledPolicy;
}

export interface EvaluationRequest {
  readonly principal: RequestPrincipal;
  /** `service:Action`, e.g. `kms:Encrypt`. */
  readonly action: string;
  /** The resource ARN, or `*` for account-level actions. */
  readonly resource: string;
  /** The resource's account; undefined for account-level actions. */
  readonly resourceAccount: string | undefined;
  readonly context: ConditionContext;
  /** The key policy or trust policy; undefined for account-level actions. */
  readonly resourcePolicy?: NamedPolicy;
  /** The caller's identity policies; undefined = not configured (allows). */
  readonly identityPolicies: readonly NamedPolicy[] | undefined;
  /** Called only when no policy allowed: the grant that allows, described, if any. */
  readonly grant?: () => string | undefined;
}

/** Why a request was refused, in AWS's wording categories. */
type DenialKind = 'explicit-deny-resource' | 'explicit-deny-identity' | 'no-resource-allow' | 'no-identity-allow';

export interface Decision {
  readonly allowed: boolean;
  /** What decided, e.g. `key-policy statement "Allow use of the key" (#3)`, `grant 1f2e…`, `implicit deny`. */
  readonly decidedBy: string;
  /** One sentence a person can read. */
  readonly explanation: string;
  /** For refusals: which of AWS's messages applies. */
  readonly denial?: DenialKind;
}

interface Hit {
  statement: CompiledStatement;
  via: PrincipalMatch;
}

interface PolicyResult {
  deny?: Hit;
  allowDirect?: Hit;
  allowAccount?: Hit;
}

/**
 * The statements of one policy that apply to a request: the first explicit Deny (which
 * ends the scan), the first Allow naming the caller directly and the first naming its account.
 */
export function matchPolicy(
  policy: CompiledPolicy,
  req: Pick<EvaluationRequest, 'principal' | 'action' | 'resource' | 'context'>,
): PolicyResult {
  const out: PolicyResult = {};
  for (const st of policy.statements) {
    if (!statementCovers(st, req.action, req.resource)) continue;
    let via: PrincipalMatch | undefined = 'direct';
    if (st.principals) {
      const m = matchPrincipal(st.principals, req.principal);
      via = st.notPrincipal ? (m === undefined ? 'direct' : undefined) : m;
      if (via === undefined) continue;
    }
    if (st.effect === 'Allow' && (via === 'direct' ? out.allowDirect : out.allowAccount)) continue;
    if (failedCondition(st.conditions, req.context)) continue;
    const hit = { statement: st, via };
    if (st.effect === 'Deny') return { deny: hit };
    if (via === 'direct') out.allowDirect = hit;
    else out.allowAccount = hit;
  }
  return out;
}

const cite = (kind: string, name: string | undefined, st: CompiledStatement) =>
  `${kind}${name ? ` ${name}` : ''} statement ${statementLabel(st)}`;

/** Decides a request and says why. */
export function decide(req: EvaluationRequest): Decision {
  const resourceName = req.resourcePolicy?.name ?? 'resource policy';
  const onResource = req.resourcePolicy ? matchPolicy(req.resourcePolicy.policy, req) : {};
  if (onResource.deny) {
    const by = cite(resourceName, undefined, onResource.deny.statement);
    return deny(by, `${by} explicitly denies ${req.action}.`, 'explicit-deny-resource');
  }
  let identityAllow: string | undefined;
  if (req.identityPolicies === undefined) identityAllow = 'identity policies not configured (allowed)';
  else {
    for (const p of req.identityPolicies) {
      const r = matchPolicy(p.policy, req);
      if (r.deny) {
        const by = cite('identity policy', p.name, r.deny.statement);
        return deny(by, `${by} explicitly denies ${req.action}.`, 'explicit-deny-identity');
      }
      const allow = r.allowDirect ?? r.allowAccount;
      if (allow && identityAllow === undefined) identityAllow = cite('identity policy', p.name, allow.statement);
    }
  }
  if (!req.resourcePolicy) {
    if (identityAllow) return allow(identityAllow, `${identityAllow} allows ${req.action}.`);
    return deny('implicit deny', `No identity policy allows ${req.action}.`, 'no-identity-allow');
  }
  const sameAccount = req.principal.accountId === req.resourceAccount;
  const direct = onResource.allowDirect;
  if (direct) {
    const by = cite(resourceName, undefined, direct.statement);
    if (sameAccount) return allow(by, `${by} allows ${req.action} for this principal.`);
    if (identityAllow) return allow(by, `${by} allows ${req.action} across accounts, and ${identityAllow} allows it.`);
  }
  const delegated = onResource.allowAccount;
  if (delegated && identityAllow) {
    const by = cite(resourceName, undefined, delegated.statement);
    return allow(by, `${by} delegates ${req.action} to the account's IAM policies, and ${identityAllow} allows it.`);
  }
  const grant = req.grant?.();
  if (grant) return allow(grant, `${grant} allows ${req.action} for its grantee.`);
  if ((direct || delegated) && !identityAllow) {
    const by = cite(resourceName, undefined, (direct ?? delegated)!.statement);
    return deny(
      'implicit deny',
      `${by} allows ${req.action} only through the caller's IAM policies, and no identity policy allows it.`,
      'no-identity-allow',
    );
  }
  return deny(
    'implicit deny',
    `No ${resourceName} statement and no grant allows ${req.action} for this principal.`,
    'no-resource-allow',
  );
}

const allow = (decidedBy: string, explanation: string): Decision => ({ allowed: true, decidedBy, explanation });
const deny = (decidedBy: string, explanation: string, denial: DenialKind): Decision => ({
  allowed: false,
  decidedBy,
  explanation,
  denial,
});

/**
 * AWS's AccessDeniedException message for a refusal, e.g. `User: <arn> is not authorized to
 * perform: kms:Encrypt on resource: <key arn> because no resource-based policy allows the kms:Encrypt action`.
 */
export function denialMessage(d: Decision, principalArn: string, action: string, resource: string): string {
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (d.denial) {
    case 'explicit-deny-resource':
      return `${head} with an explicit deny in a resource-based policy`;
    case 'explicit-deny-identity':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'no-identity-allow':
      return `${head} because no identity-based policy allows the ${action} action`;
    default:
      return `${head} because no resource-based policy allows the ${action} action`;
  }
}
