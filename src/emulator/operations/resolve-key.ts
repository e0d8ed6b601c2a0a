import { awsError } from '../../errors/index.js';
import type { Registry } from '../core/scope-registry.js';
import { aliasArn, keyArn, parseKmsArn } from '../model/arn.js';
import { parseKeyPolicy, policyAllows } from '../model/key-policy-document.js';
import type { KeyEntry } from '../model/key-record.js';
import type { ResolveOptions } from './context.js';
import { grantAllows } from './grant-support.js';

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** True for a bare key id (a UUID, or `mrk-` + 32 hex characters for multi-Region keys). */
export const isKeyId = (v: string): boolean => KEY_ID.test(v);

interface Caller {
  op: string;
  accountId: string;
  region: string;
  principalArn: string;
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
 * account's key only by full key ARN, where the operation allows cross-account use and
 * that key's policy grants the caller `kms:<Op>` or one of its grants does (grant
 * constraints checked against `opts.encryptionContext`). A key ARN of another Region is never
 * found (KMS endpoints are regional).
 *
 * @throws NotFoundException | AccessDeniedException
 */
export function resolveKey(registry: Registry, caller: Caller, keyId: string, opts: ResolveOptions = {}): KeyEntry {
  if (keyId.startsWith('alias/')) {
    if (!opts.allowAlias) throw invalidKeyId();
    return byAlias(registry, caller, caller.accountId, keyId);
  }
  let accountId = caller.accountId;
  let id = keyId;
  if (keyId.startsWith('arn:')) {
    const arn = parseKmsArn(keyId);
    if (!arn) throw invalidKeyId();
    if (arn.resourceType === 'alias') {
      if (!opts.allowAlias || arn.accountId !== caller.accountId || arn.region !== caller.region) {
        throw awsError(
          'NotFoundException',
          `Alias '${aliasArn(arn.region, arn.accountId, arn.resource)}' is not found.`,
        );
      }
      return byAlias(registry, caller, arn.accountId, arn.resource);
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
  if (accountId !== caller.accountId) assertCrossAccountAllowed(registry, entry, caller, opts.encryptionContext);
  return entry;
}

/** Another account's key: its policy must allow the caller, or a grant whose constraints admit the request's encryption context. */
function assertCrossAccountAllowed(
  registry: Registry,
  entry: KeyEntry,
  caller: Caller,
  context: Readonly<Record<string, string>> | undefined,
): void {
  const grants = registry.scope(entry.doc.accountId, entry.doc.region).grantsOf(entry.doc.keyId);
  if (
    !policyAllows(parseKeyPolicy(entry.doc.policy), caller.principalArn, `kms:${caller.op}`) &&
    !grantAllows(grants, caller.principalArn, caller.op, context)
  ) {
    throw awsError(
      'AccessDeniedException',
      `User: ${caller.principalArn} is not authorized to perform: kms:${caller.op} on resource: ${entry.doc.arn} because no resource-based policy allows the kms:${caller.op} action`,
    );
  }
}
