import { ValidationError } from '../../errors/index.js';
import { PolicyError } from '../../iam-policy/conditions.js';
import { decide } from '../../iam-policy/evaluate.js';
import { compilePolicy } from '../../iam-policy/policy.js';
import { KMS_OPERATIONS, type KmsProvider } from '../../providers/kms-provider.js';

/**
 * `POST /cckm/aws/keys/{id}/simulate-access`: "can this principal do this to the key, and
 * why?". Against the emulator the emulator's own evaluator answers (identity policies,
 * grants, conditions: basis `emulator`); against AWS the answer is computed from the key
 * policy alone (basis `key-policy`): IAM policies, grants, SCPs and session policies are not
 * visible to opencckm, so a statement that delegates to the account's IAM counts as allowing.
 */

export interface SimulateAccessInput {
  principal?: unknown;
  action?: unknown;
  encryption_context?: unknown;
}

export interface SimulateAccessAnswer {
  allowed: boolean;
  decided_by: string;
  explanation: string;
  basis: 'emulator' | 'key-policy';
  /** The principal ARN evaluated and the action, as normalised. */
  principal: string;
  action: string;
}

const ACTIONS = new Set<string>([...KMS_OPERATIONS, 'ReEncryptFrom', 'ReEncryptTo']);
const NAME = /^[\w+=,.@-]{1,64}$/;
const PRINCIPAL_ARN = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):[\x21-\x7e]{1,512}$/;
const MAX_CONTEXT_PAIRS = 64;

/**
 * Checks the body, naming the field at fault. A bare name (`alice`) is an IAM user of the
 * key's account, as in key_users; `user/NAME` and `role/NAME` likewise; an ARN is kept.
 *
 * @throws ValidationError
 */
function parseSimulateAccess(
  body: SimulateAccessInput,
  keyArn: string,
): { principal: string; action: string; context?: Record<string, string> } {
  const [, partition = 'aws', , , account = ''] = keyArn.split(':');
  const who = body.principal;
  if (typeof who !== 'string' || who.length === 0 || who.length > 600)
    throw ValidationError.field('principal', 'is required: a user name, user/NAME, role/NAME or a principal ARN');
  let principal: string;
  if (who.startsWith('arn:')) {
    if (!PRINCIPAL_ARN.test(who)) throw ValidationError.field('principal', 'is not an IAM or STS principal ARN');
    principal = who;
  } else {
    const [kind, name] = who.includes('/') ? who.split('/', 2) : ['user', who];
    if ((kind !== 'user' && kind !== 'role') || !NAME.test(name ?? ''))
      throw ValidationError.field('principal', 'must be a user name, user/NAME, role/NAME or a principal ARN');
    principal = `arn:${partition}:iam::${account}:${kind}/${name}`;
  }
  if (typeof body.action !== 'string') throw ValidationError.field('action', 'is required (e.g. kms:Decrypt)');
  const op = body.action.startsWith('kms:') ? body.action.slice(4) : body.action;
  if (!ACTIONS.has(op)) throw ValidationError.field('action', `${body.action.slice(0, 80)} is not a KMS action`);
  const ctx = body.encryption_context;
  if (ctx === undefined || ctx === null) return { principal, action: `kms:${op}` };
  const ok =
    typeof ctx === 'object' &&
    !Array.isArray(ctx) &&
    Object.keys(ctx).length <= MAX_CONTEXT_PAIRS &&
    Object.entries(ctx).every(
      ([k, v]) => typeof v === 'string' && k.length > 0 && k.length <= 2048 && v.length <= 2048,
    );
  if (!ok) throw ValidationError.field('encryption_context', `must map at most ${MAX_CONTEXT_PAIRS} keys to strings`);
  return { principal, action: `kms:${op}`, context: ctx as Record<string, string> };
}

/** Answers a simulate-access request against the key's provider. */
export async function simulateAccess(
  provider: KmsProvider,
  keyId: string,
  keyArn: string,
  body: SimulateAccessInput,
): Promise<SimulateAccessAnswer> {
  const req = parseSimulateAccess(body, keyArn);
  if (provider.simulateAccess) {
    const out = await provider.simulateAccess({
      principal: req.principal,
      action: req.action,
      keyId: keyArn || keyId,
      ...(req.context ? { encryptionContext: req.context } : {}),
    });
    return {
      ...answer(out.allowed, out.decidedBy, out.explanation),
      basis: 'emulator',
      principal: req.principal,
      action: req.action,
    };
  }
  const { Policy } = await provider.kms('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' });
  let policy;
  try {
    policy = compilePolicy(Policy ?? '', 'resource');
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return {
      ...answer(false, 'unreadable key policy', `The key policy could not be evaluated: ${err.message}`),
      basis: 'key-policy',
      principal: req.principal,
      action: req.action,
    };
  }
  const account = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(req.principal)![1]!;
  const values = contextValues(req.principal, account, req.context);
  const d = decide({
    principal: { arn: req.principal, accountId: account, isRoot: req.principal.endsWith(':root') },
    action: req.action,
    resource: keyArn,
    resourceAccount: keyArn.split(':')[4],
    context: (k) => values.get(k) ?? prefixed(k, req.context),
    resourcePolicy: { name: 'key policy', policy },
    // Not visible to opencckm: taken as allowing, which the explanation says.
    identityPolicies: undefined,
  });
  const note =
    ' Computed from the key policy alone: IAM policies, grants and organization policies were not evaluated' +
    (d.allowed ? ' (a statement that delegates to the account also needs an IAM policy that allows).' : '.');
  return {
    ...answer(d.allowed, d.decidedBy, d.explanation + note),
    basis: 'key-policy',
    principal: req.principal,
    action: req.action,
  };
}

const answer = (allowed: boolean, decidedBy: string, explanation: string) => ({
  allowed,
  decided_by: decidedBy,
  explanation,
});

function contextValues(principal: string, account: string, ctx: Record<string, string> | undefined) {
  const m = new Map<string, string[]>([
    ['aws:principalarn', [principal]],
    ['aws:principalaccount', [account]],
    ['kms:calleraccount', [account]],
  ]);
  if (ctx && Object.keys(ctx).length > 0) m.set('kms:encryptioncontextkeys', Object.keys(ctx));
  return m;
}

function prefixed(key: string, ctx: Record<string, string> | undefined): string[] | undefined {
  if (!ctx || !key.startsWith('kms:encryptioncontext:')) return undefined;
  const wanted = key.slice('kms:encryptioncontext:'.length);
  const hit = Object.keys(ctx).find((k) => k.toLowerCase() === wanted);
  return hit === undefined ? undefined : [ctx[hit]!];
}
