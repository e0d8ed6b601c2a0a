import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateKeyRequest, KeySpec, KeyUsageType, OriginType } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { generateKeyMaterial, type GeneratableKeySpec } from '../crypto/key-generation.js';
import { newMaterialId } from '../core/key-vault.js';
import { isChinaRegion, keyArn } from '../model/arn.js';
import { checkNewKeyPolicy, defaultKeyPolicy } from '../model/key-policy-document.js';
import type { KeyDoc } from '../model/key-record.js';
import { toKeyMetadata } from '../model/key-metadata-view.js';
import { isHmacSpec, usagesOf } from '../model/key-specs.js';
import { assertTagCount, validateNewTags } from '../model/tags.js';
import type { OperationHandler } from './context.js';
import { createStoreKey, presentStoreKey } from './custom-key-store-keys.js';

/** Picks the key spec from KeySpec and its deprecated alias CustomerMasterKeySpec. */
function keySpecOf(input: CreateKeyRequest): KeySpec {
  const { KeySpec: spec, CustomerMasterKeySpec: cmk } = input;
  if (spec !== undefined && cmk !== undefined && spec !== cmk) {
    throw awsError(
      'ValidationException',
      'You cannot specify KeySpec and CustomerMasterKeySpec with different values. Use KeySpec; CustomerMasterKeySpec is deprecated.',
    );
  }
  return spec ?? (cmk as KeySpec | undefined) ?? 'SYMMETRIC_DEFAULT';
}

/** Where AWS offers a key spec (a rule of our source documents: SM2 only in China, HMAC not there). */
function checkRegionSupportsSpec(spec: KeySpec, region: string): void {
  if (spec === 'SM2' && !isChinaRegion(region)) {
    throw awsError('UnsupportedOperationException', 'KeySpec SM2 is supported only in the China Regions.');
  }
  if (isHmacSpec(spec) && isChinaRegion(region)) {
    throw awsError('UnsupportedOperationException', `KeySpec ${spec} is not supported in this Region.`);
  }
}

/**
 * KeyUsage defaults to ENCRYPT_DECRYPT as in AWS; for specs that cannot encrypt that
 * default is invalid, which is why AWS requires KeyUsage for them.
 */
function keyUsageOf(spec: KeySpec, usage: KeyUsageType | undefined): KeyUsageType {
  const chosen = usage ?? 'ENCRYPT_DECRYPT';
  const valid = usagesOf(spec);
  if (!valid.includes(chosen)) {
    const hint = usage === undefined ? ' KeyUsage is required for this KeySpec.' : '';
    throw awsError(
      'ValidationException',
      `KeyUsage ${chosen} is not compatible with KeySpec ${spec}; valid values: ${valid.join(', ')}.${hint}`,
    );
  }
  return chosen;
}

/** Origin, custom key store and multi-Region rules. */
function checkOrigin(input: CreateKeyRequest, spec: KeySpec): OriginType {
  const origin = input.Origin ?? 'AWS_KMS';
  const inKeyStore = origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE';
  if (input.XksKeyId !== undefined && origin !== 'EXTERNAL_KEY_STORE') {
    throw awsError('ValidationException', 'XksKeyId is valid only when Origin is EXTERNAL_KEY_STORE.');
  }
  if (input.CustomKeyStoreId !== undefined && !inKeyStore) {
    throw awsError('ValidationException', 'CustomKeyStoreId requires Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE.');
  }
  if (!inKeyStore) return origin;
  if (input.CustomKeyStoreId === undefined) {
    throw awsError('ValidationException', `CustomKeyStoreId is required when Origin is ${origin}.`);
  }
  if (origin === 'EXTERNAL_KEY_STORE' && input.XksKeyId === undefined) {
    throw awsError('ValidationException', 'XksKeyId is required when Origin is EXTERNAL_KEY_STORE.');
  }
  if (input.MultiRegion) {
    throw awsError('UnsupportedOperationException', 'Multi-Region keys are not supported in custom key stores.');
  }
  if (spec !== 'SYMMETRIC_DEFAULT') {
    throw awsError(
      'UnsupportedOperationException',
      'Custom key stores support only symmetric encryption KMS keys (KeySpec SYMMETRIC_DEFAULT).',
    );
  }
  return origin;
}

const inCustomKeyStore = (origin: OriginType): boolean => origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE';

/** A new key id: a UUID, or `mrk-` + 32 hex characters for a multi-Region key. */
const newKeyId = (multiRegion: boolean): string =>
  multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID();

/**
 * CreateKey: validates every parameter (spec × usage, Region availability, origin and
 * key store rules, policy with the lockout safety check, tags), generates material off
 * the event loop, and stores the key durably before answering.
 *
 * Keys in a custom key store (Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE with CustomKeyStoreId)
 * are created in the store too (custom-key-store-keys.ts).
 *
 * @throws ValidationException | UnsupportedOperationException | CustomKeyStoreNotFoundException |
 *   CustomKeyStoreInvalidStateException | CloudHsmClusterInvalidConfigurationException | XksKey*Exception |
 *   MalformedPolicyDocumentException | TagException | LimitExceededException
 */
export const createKey: OperationHandler<'CreateKey'> = async (ctx, input) => {
  const spec = keySpecOf(input);
  checkRegionSupportsSpec(spec, ctx.region);
  const usage = keyUsageOf(spec, input.KeyUsage);
  const origin = checkOrigin(input, spec);
  const multiRegion = input.MultiRegion === true;
  const keyId = newKeyId(multiRegion);
  const arn = keyArn(ctx.region, ctx.accountId, keyId);
  if (input.Policy !== undefined) {
    checkNewKeyPolicy(input.Policy, {
      principalArn: ctx.principalArn,
      bypassLockoutCheck: input.BypassPolicyLockoutSafetyCheck === true,
      allowsPutKeyPolicy: (policy) => ctx.authz.allowsPutKeyPolicy(policy, arn),
    });
  }
  const tags = (input.Tags ?? []).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' }));
  validateNewTags(tags);
  assertTagCount(tags.length);

  // Keys in a custom key store also get KMS's own material: the inner layer of their double encryption.
  const material =
    origin === 'AWS_KMS' || inCustomKeyStore(origin)
      ? await generateKeyMaterial(spec as GeneratableKeySpec)
      : undefined;
  const materialId = material ? newMaterialId() : undefined;
  const now = ctx.now.toISOString();
  const storePart = inCustomKeyStore(origin) ? await createStoreKey(ctx, input, origin, keyId) : undefined;
  const doc: KeyDoc = {
    ...storePart?.fields,
    keyId,
    accountId: ctx.accountId,
    region: ctx.region,
    arn,
    creationDate: now,
    description: input.Description ?? '',
    keySpec: spec,
    keyUsage: usage,
    origin,
    keyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
    policy: input.Policy ?? defaultKeyPolicy(ctx.region, ctx.accountId),
    tags,
    multiRegion,
    ...(multiRegion ? { primaryRegion: ctx.region } : {}),
    rotationEnabled: false,
    materials: materialId ? [{ id: materialId, createdAt: now }] : [],
  };
  const tx = ctx.begin();
  tx.putKey(ctx.sealEntry(doc, materialId && material ? new Map([[materialId, material]]) : new Map()));
  try {
    await ctx.commit(tx);
  } catch (err) {
    await storePart?.rollback();
    throw err;
  }
  return { KeyMetadata: presentStoreKey(ctx.registry, doc, toKeyMetadata(doc)) };
};
