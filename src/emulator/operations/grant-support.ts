import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GrantConstraints, GrantListEntry, GrantOperation, KeyUsageType } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import type { Registry } from '../core/scope-registry.js';
import { parseKmsArn } from '../model/arn.js';
import type { GrantDoc } from '../model/grant-record.js';
import type { KeyDoc } from '../model/key-record.js';

/** Shared rules of the grant operations: tokens, valid operations per key type, list entries. */

const COMMON: GrantOperation[] = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
const SYMMETRIC: GrantOperation[] = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
];
const BY_USAGE: Readonly<Record<string, GrantOperation[]>> = {
  ENCRYPT_DECRYPT: ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'],
  SIGN_VERIFY: ['Sign', 'Verify', 'GetPublicKey'],
  GENERATE_VERIFY_MAC: ['GenerateMac', 'VerifyMac'],
  KEY_AGREEMENT: ['DeriveSharedSecret', 'GetPublicKey'],
};

/** The grant operations a key's type supports (AWS rejects the others with ValidationException). */
export function grantOperationsFor(doc: KeyDoc): GrantOperation[] {
  if (doc.keySpec === 'SYMMETRIC_DEFAULT') return [...SYMMETRIC, ...COMMON];
  return [...(BY_USAGE[doc.keyUsage as KeyUsageType] ?? []), ...COMMON];
}

const mac = (doc: GrantDoc, nonce: string) =>
  createHmac('sha256', Buffer.from(doc.tokenSecret, 'hex')).update(`${doc.grantId}|${nonce}`).digest('hex');

/** A new grant token for `doc`; every call gives a different token, all equally valid. */
export function issueGrantToken(doc: GrantDoc, keyArn: string): string {
  const nonce = randomBytes(16).toString('hex');
  return Buffer.from(`opencckm-grant-v1|${keyArn}|${doc.grantId}|${nonce}|${mac(doc, nonce)}`, 'utf8').toString(
    'base64url',
  );
}

const invalidToken = () => awsError('InvalidGrantTokenException', 'The grant token is not valid.');

/**
 * The grant a token names, if it still exists.
 *
 * @throws InvalidGrantTokenException for a token this emulator did not issue
 */
export function grantOfToken(registry: Registry, token: string): GrantDoc | undefined {
  const parts = Buffer.from(token, 'base64url').toString('utf8').split('|');
  if (parts.length !== 5 || parts[0] !== 'opencckm-grant-v1') throw invalidToken();
  const [, arn, grantId, nonce, tag] = parts as [string, string, string, string, string];
  const parsed = parseKmsArn(arn);
  if (!parsed || parsed.resourceType !== 'key') throw invalidToken();
  const doc = registry.scope(parsed.accountId, parsed.region).grants.get(parsed.resource)?.get(grantId);
  if (!doc) return undefined;
  const expected = Buffer.from(mac(doc, nonce), 'hex');
  const given = Buffer.from(tag, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
  return doc;
}

/** Checks the format of GrantTokens passed to an operation. @throws InvalidGrantTokenException */
export function checkGrantTokens(registry: Registry, tokens: readonly string[] | undefined): void {
  for (const t of tokens ?? []) grantOfToken(registry, t);
}

/** A grant as ListGrants and ListRetirableGrants return it. */
export function toGrantListEntry(doc: GrantDoc, keyArn: string): GrantListEntry {
  const e: GrantListEntry = { KeyId: keyArn, GrantId: doc.grantId };
  if (doc.name !== undefined) e.Name = doc.name;
  e.CreationDate = new Date(doc.creationDate);
  e.GranteePrincipal = doc.granteePrincipal;
  if (doc.retiringPrincipal !== undefined) e.RetiringPrincipal = doc.retiringPrincipal;
  e.IssuingAccount = doc.issuingAccount;
  e.Operations = [...doc.operations];
  if (doc.constraints) e.Constraints = structuredClone(doc.constraints);
  return e;
}

const GRANT_ID = /^[0-9a-f]{64}$/;

/**
 * Checks a GrantId's form (this emulator issues 64 hex characters) before it is looked up,
 * so a malformed id is told apart from one that no longer exists.
 *
 * @throws InvalidGrantIdException
 */
export function assertGrantId(grantId: string): void {
  if (!GRANT_ID.test(grantId)) throw awsError('InvalidGrantIdException', 'GrantId is not a valid grant identifier.');
}

/**
 * Whether a grant's constraints admit a request's encryption context (AWS's grant
 * constraints): EncryptionContextEquals needs exactly those pairs; EncryptionContextSubset
 * needs at least those pairs. A grant without constraints admits every context; a
 * constrained grant admits no request that has no encryption context to check. An empty
 * map is no constraint, as in AWS (CreateGrant drops them; older stored grants may hold them).
 */
export function constraintsAllow(
  constraints: GrantConstraints | undefined,
  context: Readonly<Record<string, string>> | undefined,
): boolean {
  const nonEmpty = (m: Record<string, string> | undefined) => (m && Object.keys(m).length > 0 ? m : undefined);
  const equals = nonEmpty(constraints?.EncryptionContextEquals);
  const subset = nonEmpty(constraints?.EncryptionContextSubset);
  if (!equals && !subset) return true;
  if (!context) return false;
  const given = Object.entries(context);
  if (equals) {
    const wanted = Object.entries(equals);
    if (wanted.length !== given.length || wanted.some(([k, v]) => context[k] !== v)) return false;
  }
  return !subset || Object.entries(subset).every(([k, v]) => Object.hasOwn(context, k) && context[k] === v);
}

/**
 * True when a key's grants give `principal` the right to call `op` (ReEncrypt needs
 * ReEncryptFrom or To). With `context` (an operation that takes an encryption context),
 * only grants whose constraints admit it count; without it, constrained grants count
 * only for operations that take no encryption context.
 */
export function grantAllows(
  grants: readonly GrantDoc[],
  principal: string,
  op: string,
  context?: Readonly<Record<string, string>>,
): boolean {
  const ops = op === 'ReEncrypt' ? ['ReEncryptFrom', 'ReEncryptTo'] : [op];
  const checksContext = CONTEXT_OPERATIONS.has(op);
  return grants.some(
    (g) =>
      g.granteePrincipal === principal &&
      g.operations.some((o) => ops.includes(o)) &&
      (!checksContext || constraintsAllow(g.constraints, context)),
  );
}

/** The operations that take an EncryptionContext, to which grant constraints apply. */
const CONTEXT_OPERATIONS: ReadonlySet<string> = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
]);
