import { awsError } from '../../errors/index.js';
import type { Registry } from '../core/scope-registry.js';
import { aliasArn, keyArn, parseKmsArn } from '../model/arn.js';
import type { KeyEntry } from '../model/key-record.js';
import type { ResolveOptions } from './context.js';

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** True for a bare key id (a UUID, or `mrk-` + 32 hex characters for multi-Region keys). */
const isKeyId = (v: string): boolean => KEY_ID.test(v);

interface Caller {
  op: string;
  accountId: string;
  region: string;
  /** Authorizes the call on a resolved key. @throws AccessDeniedException */
  authorize(entry: KeyEntry, opts: ResolveOptions, requestAlias: string | undefined): void;
}

const invalidKeyId = () => awsError('NotFoundException', 'Invalid keyId.');

function byAlias(registry: Registry, caller: Caller, accountId: string, aliasName: string): KeyEntry {
  const alias = registry.scope(accountId, caller.region).aliases.get(aliasName);
  const key = alias && registry.scope(accountId, caller.region).keys.get(alias.targetKeyId);
  if (!key)
    throw awsError('NotFoundException', `Alias '${aliasArn(caller.region, accountId, aliasName)}' is not found.`);
  return key;
}

/**
 * Resolves the KeyId parameter of an operation the way AWS does: a key id or key ARN
 * always; an alias name or alias ARN only where the operation allows aliases; another
 * account's key only by full key ARN or alias ARN (never an alias name), where the operation
 * allows cross-account use. A key ARN of another Region is never found (KMS endpoints are
 * regional). Every key found is then authorized for the call (`caller.authorize`: key
 * policy, identity policies, grants with their constraints).
 *
 * @throws NotFoundException | AccessDeniedException
 */
export function resolveKey(registry: Registry, caller: Caller, keyId: string, opts: ResolveOptions = {}): KeyEntry {
  if (keyId.startsWith('alias/')) {
    if (!opts.allowAlias) throw invalidKeyId();
    return authorized(caller, byAlias(registry, caller, caller.accountId, keyId), opts, keyId);
  }
  let accountId = caller.accountId;
  let id = keyId;
  if (keyId.startsWith('arn:')) {
    const arn = parseKmsArn(keyId);
    if (!arn) throw invalidKeyId();
    if (arn.resourceType === 'alias') {
      const otherAccount = arn.accountId !== caller.accountId;
      if (!opts.allowAlias || (otherAccount && !opts.crossAccount) || arn.region !== caller.region) {
        throw awsError(
          'NotFoundException',
          `Alias '${aliasArn(arn.region, arn.accountId, arn.resource)}' is not found.`,
        );
      }
      return authorized(caller, byAlias(registry, caller, arn.accountId, arn.resource), opts, arn.resource);
    }
    if (!isKeyId(arn.resource)) throw invalidKeyId();
    // Built only when thrown: an error captures a stack trace, too costly for every lookup by ARN.
    const notFound = () =>
      awsError('NotFoundException', `Key '${keyArn(arn.region, arn.accountId, arn.resource)}' does not exist`);
    if (arn.region !== caller.region) throw notFound();
    if (arn.accountId !== caller.accountId && !opts.crossAccount) throw notFound();
    accountId = arn.accountId;
    id = arn.resource;
  } else if (!isKeyId(keyId)) {
    throw invalidKeyId();
  }
  const entry = registry.scope(accountId, caller.region).keys.get(id);
  if (!entry) throw awsError('NotFoundException', `Key '${keyArn(caller.region, accountId, id)}' does not exist`);
  return authorized(caller, entry, opts, undefined);
}

function authorized(caller: Caller, entry: KeyEntry, opts: ResolveOptions, alias: string | undefined): KeyEntry {
  if (!opts.skipAuthorization) caller.authorize(entry, opts, alias);
  return entry;
}
