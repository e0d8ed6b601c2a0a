import { awsError } from '../../errors/index.js';
import { PolicyError } from '../../iam-policy/conditions.js';
import { decide, denialMessage, type Decision, type NamedPolicy } from '../../iam-policy/evaluate.js';
import { compilePolicy } from '../../iam-policy/policy.js';
import { constraintsAllow } from '../operations/grant-support.js';
import type { GrantDoc } from '../model/grant-record.js';
import type { KeyDoc } from '../model/key-record.js';
import type { IdentityDirectory, Principal } from './identities.js';
import { conditionContext, type RequestFacts } from './condition-keys.js';

/**
 * The emulator's one authorization point: every KMS operation's key (key policy, the
 * caller's identity policies, the key's grants) and every account-level operation
 * (identity policies) is decided here by iam-policy/evaluate.ts, and each decision is
 * reported to the call's observer (response header, log).
 *
 * Key policies are compiled once per policy text (documents are immutable and identical
 * texts shared, so a key's policy version is its text) and kept in a bounded cache.
 */

/** One decision as observers see it. */
export interface AuthzRecord extends Decision {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
}

/** Who observes the decisions of a call. */
export type DecisionObserver = (record: AuthzRecord) => void;

/** The operations that act on a grant (their constraints are checked against the request's encryption context). */
const CONTEXT_GRANT_OPS = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
]);

const CACHE_LIMIT = 4096;

/** A key policy that no longer compiles (stored before a rule existed): it allows nothing. */
const BROKEN: NamedPolicy = {
  name: 'key policy',
  policy: { kind: 'resource', statements: [] },
};

export class Authorizer {
  private readonly compiled = new Map<string, NamedPolicy>();

  constructor(
    readonly identities: IdentityDirectory,
    private readonly log?: DecisionObserver,
  ) {}

  /** The compiled key policy of a key document (cached per policy text). */
  keyPolicy(policy: string): NamedPolicy {
    let p = this.compiled.get(policy);
    if (p === undefined) {
      try {
        p = { name: 'key policy', policy: compilePolicy(policy, 'resource') };
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        p = BROKEN;
      }
      if (this.compiled.size >= CACHE_LIMIT) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(policy, p);
    }
    return p;
  }

  /**
   * Decides an action on a key. `grants` are the key's grants; `grantOperation` the grant
   * operation that would allow it (ReEncrypt's `ReEncryptFrom`/`To`, else the operation).
   */
  decideKey(
    facts: RequestFacts & { key: KeyDoc },
    action: string,
    grants: () => readonly GrantDoc[],
    policy: NamedPolicy = this.keyPolicy(facts.key.policy),
  ): Decision {
    const p = facts.principal;
    return decide({
      principal: p,
      action,
      resource: facts.key.arn,
      resourceAccount: facts.key.accountId,
      context: conditionContext(facts),
      resourcePolicy: policy,
      identityPolicies: p.identityPolicies,
      grant: () => {
        const g = grantFor(grants(), p, facts.operation, facts.encryptionContext);
        return g && `grant ${g.grantId}${g.name ? ` ("${g.name}")` : ''}`;
      },
    });
  }

  /** Decides an account-level action (identity policies only) on `resource` (`*` or an alias / key store ARN). */
  decideAccount(facts: RequestFacts, action: string, resource: string): Decision {
    return decide({
      principal: facts.principal,
      action,
      resource,
      resourceAccount: undefined,
      context: conditionContext(facts),
      identityPolicies: facts.principal.identityPolicies,
    });
  }

  /**
   * Reports a decision and, for a refusal, throws AWS's AccessDeniedException.
   *
   * @throws AccessDeniedException
   */
  enforce(d: Decision, principal: Principal, action: string, resource: string, observer?: DecisionObserver): void {
    if (observer || this.log) {
      const record: AuthzRecord = { ...d, principal: principal.arn, action, resource };
      observer?.(record);
      this.log?.(record);
    }
    if (!d.allowed) throw awsError('AccessDeniedException', denialMessage(d, principal.arn, action, resource));
  }
}

/**
 * The grant that lets `p` perform `operation` (ReEncrypt's halves by name; a role's
 * grants serve its sessions), its constraints admitting the request's encryption context
 * where the operation takes one.
 */
export function grantFor(
  grants: readonly GrantDoc[],
  p: Principal,
  operation: string,
  context: Readonly<Record<string, string>> | undefined,
): GrantDoc | undefined {
  const checksContext = CONTEXT_GRANT_OPS.has(operation);
  for (const g of grants) {
    if (g.granteePrincipal !== p.arn && g.granteePrincipal !== p.roleArn) continue;
    if (!g.operations.includes(operation as never)) continue;
    if (checksContext && !constraintsAllow(g.constraints, context)) continue;
    return g;
  }
  return undefined;
}

/**
 * The emulator's authorization log (EMULATOR_AUTHZ_LOG): one line per decision, refusals
 * only by default; `off` logs none. Lines name principal, action, resource and what decided.
 */
export function decisionLogger(
  mode: 'deny' | 'all' | 'off',
  write: (line: string) => void,
): DecisionObserver | undefined {
  if (mode === 'off') return undefined;
  return (r) => {
    if (r.allowed && mode !== 'all') return;
    write(
      `authz ${r.allowed ? 'allow' : 'deny'} ${r.principal} ${r.action} ${r.resource}: ${r.decidedBy} — ${r.explanation}`,
    );
  };
}
