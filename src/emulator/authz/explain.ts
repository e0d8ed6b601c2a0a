import { awsError } from '../../errors/index.js';
import { KMS_OPERATIONS } from '../../providers/kms-provider.js';
import type { Registry } from '../core/scope-registry.js';
import { resolveKey } from '../operations/resolve-key.js';
import type { CallerContext } from '../operations/context.js';
import type { AuthzRecord } from './authorizer.js';
import { ACCOUNT_LEVEL_OPERATIONS, type CallAuthorization } from './call-authorization.js';

/**
 * "Would this principal be allowed this action on this key, and why?": evaluates a
 * hypothetical request with the emulator's real evaluator, without acting. The asker must
 * itself be allowed kms:GetKeyPolicy on the key (an explanation reveals the policy's
 * statements); for account-level actions the principal asked about must be of the asker's
 * account.
 */
export interface ExplainRequest {
  /** The principal ARN asked about (default: the asker). */
  principal?: string;
  /** `kms:Decrypt` or `Decrypt`; ReEncrypt's halves are `ReEncryptFrom` / `ReEncryptTo`. */
  action: string;
  /** Key id, key ARN, alias name or alias ARN of the asker's account; required for key actions. */
  keyId?: string;
  encryptionContext?: Record<string, string>;
  /** Other request parameters that conditions may test (`SigningAlgorithm`, `GranteePrincipal`, ...). */
  input?: Record<string, unknown>;
}

const ACTIONS = new Set<string>([...KMS_OPERATIONS, 'ReEncryptFrom', 'ReEncryptTo']);
const MAX_CONTEXT_PAIRS = 64;

const invalid = (field: string, what: string) => awsError('ValidationException', `${field} ${what}`);

/**
 * Checks an explain request's JSON body, naming the field at fault.
 *
 * @throws ValidationException
 */
export function parseExplainRequest(body: unknown): ExplainRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('The body', 'must be a JSON object');
  const { Principal, Action, KeyId, EncryptionContext, Input, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid(Object.keys(rest)[0]!, 'is not a field of an explain request');
  if (typeof Action !== 'string') throw invalid('Action', 'is required (e.g. "kms:Decrypt")');
  const op = Action.startsWith('kms:') ? Action.slice(4) : Action;
  if (!ACTIONS.has(op)) throw invalid('Action', `"${Action.slice(0, 80)}" is not a KMS action`);
  if (Principal !== undefined && (typeof Principal !== 'string' || Principal.length > 2048))
    throw invalid('Principal', 'must be a principal ARN');
  if (KeyId !== undefined && (typeof KeyId !== 'string' || KeyId.length === 0 || KeyId.length > 2048))
    throw invalid('KeyId', 'must be a key id, key ARN, alias name or alias ARN');
  if (EncryptionContext !== undefined) {
    const ok =
      typeof EncryptionContext === 'object' &&
      EncryptionContext !== null &&
      !Array.isArray(EncryptionContext) &&
      Object.keys(EncryptionContext).length <= MAX_CONTEXT_PAIRS &&
      Object.values(EncryptionContext).every((v) => typeof v === 'string');
    if (!ok) throw invalid('EncryptionContext', `must map at most ${MAX_CONTEXT_PAIRS} keys to strings`);
  }
  if (Input !== undefined && (typeof Input !== 'object' || Input === null || Array.isArray(Input)))
    throw invalid('Input', 'must be an object of request parameters');
  return {
    action: op,
    ...(Principal !== undefined ? { principal: Principal as string } : {}),
    ...(KeyId !== undefined ? { keyId: KeyId as string } : {}),
    ...(EncryptionContext !== undefined ? { encryptionContext: EncryptionContext as Record<string, string> } : {}),
    ...(Input !== undefined ? { input: Input as Record<string, unknown> } : {}),
  };
}

/** What {@link explainAccess} needs of the emulator. */
export interface ExplainDeps {
  registry: Registry;
  /** The authorization of a call by `caller` for `op` with `input` (see KmsEmulator.authorization). */
  authorization(caller: CallerContext, op: string, input: unknown): CallAuthorization;
}

/**
 * Evaluates `req` as the emulator would decide it.
 *
 * @throws ValidationException | NotFoundException | AccessDeniedException (the asker may not read the key's policy)
 */
export function explainAccess(deps: ExplainDeps, asker: CallerContext, req: ExplainRequest): AuthzRecord {
  const askerAuthz = deps.authorization(asker, 'GetKeyPolicy', {});
  const principalArn = req.principal ?? askerAuthz.principal.arn;
  const op = req.action === 'ReEncryptFrom' || req.action === 'ReEncryptTo' ? 'ReEncrypt' : req.action;
  const input = { ...req.input, ...(req.encryptionContext ? { EncryptionContext: req.encryptionContext } : {}) };
  const accountId = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(principalArn)?.[1];
  if (!accountId) throw invalid('Principal', 'must be a principal ARN (arn:aws:iam::<account>:user/<name>, ...)');
  const subject = deps.authorization({ accountId, region: asker.region, principalArn }, op, input);
  if (req.keyId === undefined) {
    if (!ACCOUNT_LEVEL_OPERATIONS.has(op)) throw invalid('KeyId', `is required for ${req.action}`);
    if (accountId !== asker.accountId) throw invalid('Principal', "must be of the caller's account");
    return subject.explainAccount();
  }
  const lookup = { op, accountId: asker.accountId, region: asker.region, authorize: () => undefined };
  const entry = resolveKey(deps.registry, lookup, req.keyId, { allowAlias: true });
  askerAuthz.authorizeKey(entry);
  const alias = req.keyId.startsWith('alias/') ? req.keyId : /:(alias\/.+)$/.exec(req.keyId)?.[1];
  const { decision, action } = subject.decideKey(entry.doc, {
    ...(req.action !== op ? { operation: req.action } : {}),
    ...(req.encryptionContext ? { encryptionContext: req.encryptionContext } : {}),
    ...(alias ? { requestAlias: alias } : {}),
  });
  return { ...decision, principal: principalArn, action, resource: entry.doc.arn };
}
