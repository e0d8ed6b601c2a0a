import type { CreateKeyRequest, Tag } from '@aws-sdk/client-kms';
import { ValidationError } from '../../errors/index.js';
import { isChinaRegion, KEY_SPECS, type KeySpec, type KeyUsage, USAGES_BY_SPEC } from './key-rules.js';

/** `aws_param` of a create request (seed 004), as validated by the OpenAPI contract. */
export interface AwsKeyParams {
  Alias?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  CustomerMasterKeySpec?: string;
  KeySpec?: string;
  Description?: string;
  KeyUsage?: string;
  MultiRegion?: boolean;
  Origin?: string;
  Policy?: unknown;
  Tags?: { TagKey: string; TagValue: string }[];
  CustomKeyStoreId?: string;
  XksKeyId?: string;
}

/** Tag keys opencckm writes itself: the record id (no orphan keys) and the template link. */
export const RECORD_TAG = 'cckm_record_id';
export const TEMPLATE_TAG = 'cckm_policy_template_id';
export const RESERVED_TAGS = new Set([RECORD_TAG, TEMPLATE_TAG]);

/** Tag values: alphanumerics and `_ . / = + - @` (seed 004). */
export const TAG_VALUE = /^[A-Za-z0-9_./=+\-@]*$/;
/** Tag keys: AWS's pattern. */
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
/** Alias names after `alias/`: AWS's pattern and length (256 with the prefix). */
const ALIAS_NAME = /^[a-zA-Z0-9/_-]+$/;

/** Normalises an alias given with or without `alias/`. @throws ValidationError naming `field`. */
export function normaliseAlias(raw: string, field: string): string {
  const name = raw.startsWith('alias/') ? raw.slice('alias/'.length) : raw;
  if (!name || !ALIAS_NAME.test(name))
    throw ValidationError.field(field, 'may contain only letters, digits, /, _ and -');
  if (name.length + 6 > 256)
    throw ValidationError.field(field, 'must be at most 256 characters including the alias/ prefix');
  if (name.startsWith('aws/'))
    throw ValidationError.field(field, 'the alias/aws/ prefix is reserved for AWS managed keys');
  return `alias/${name}`;
}

export interface CheckedKeyParams {
  spec: KeySpec;
  usage: KeyUsage;
  origin: string;
  alias?: string;
  tags: Tag[];
}

/**
 * Checks `aws_param` against AWS's rules and seed 004's, naming the field at fault.
 * @throws ValidationError
 */
export function checkKeyParams(p: AwsKeyParams, region: string): CheckedKeyParams {
  if (p.CustomerMasterKeySpec && p.KeySpec && p.CustomerMasterKeySpec !== p.KeySpec) {
    throw ValidationError.field(
      'aws_param.KeySpec',
      'differs from aws_param.CustomerMasterKeySpec; give one of them (KeySpec replaces CustomerMasterKeySpec)',
    );
  }
  const specField = p.KeySpec ? 'aws_param.KeySpec' : 'aws_param.CustomerMasterKeySpec';
  const spec = (p.KeySpec ?? p.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') as KeySpec;
  if (!(KEY_SPECS as readonly string[]).includes(spec))
    throw ValidationError.field(specField, `must be one of ${KEY_SPECS.join(', ')}`);
  const allowed = USAGES_BY_SPEC[spec];
  // AWS defaults KeyUsage to ENCRYPT_DECRYPT; where a spec has exactly one other usage we
  // take that one, and where the choice is real we ask for it.
  const fallback = allowed.includes('ENCRYPT_DECRYPT')
    ? 'ENCRYPT_DECRYPT'
    : allowed.length === 1
      ? allowed[0]
      : undefined;
  if (p.KeyUsage === undefined && fallback === undefined) {
    throw ValidationError.field('aws_param.KeyUsage', `is required for ${spec} keys: one of ${allowed.join(', ')}`);
  }
  const usage = (p.KeyUsage ?? fallback) as KeyUsage;
  if (!allowed.includes(usage)) {
    throw ValidationError.field(
      'aws_param.KeyUsage',
      `${p.KeyUsage} is not valid for ${spec} keys; use ${allowed.join(' or ')}`,
    );
  }
  if (spec.startsWith('HMAC_') && isChinaRegion(region)) {
    throw ValidationError.field(specField, `HMAC keys are not available in ${region}`);
  }
  if (spec === 'SM2' && !isChinaRegion(region)) {
    throw ValidationError.field(
      specField,
      'SM2 keys are available only in the China regions (cn-north-1, cn-northwest-1)',
    );
  }
  const origin = p.Origin ?? (p.XksKeyId ? 'EXTERNAL_KEY_STORE' : 'AWS_KMS');
  checkOrigin(p, origin, spec);
  return {
    spec,
    usage,
    origin,
    ...(p.Alias !== undefined ? { alias: normaliseAlias(p.Alias, 'aws_param.Alias') } : {}),
    tags: checkTags(p.Tags ?? []),
  };
}

function checkOrigin(p: AwsKeyParams, origin: string, spec: KeySpec): void {
  const customStore = origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE';
  if (customStore && !p.CustomKeyStoreId) {
    throw ValidationError.field('aws_param.CustomKeyStoreId', `is required when Origin is ${origin}`);
  }
  if (!customStore && p.CustomKeyStoreId) {
    throw ValidationError.field(
      'aws_param.Origin',
      'must be AWS_CLOUDHSM or EXTERNAL_KEY_STORE when CustomKeyStoreId is given',
    );
  }
  if (customStore && spec !== 'SYMMETRIC_DEFAULT') {
    throw ValidationError.field('aws_param.KeySpec', 'keys in custom key stores must be SYMMETRIC_DEFAULT');
  }
  if (customStore && p.MultiRegion) {
    throw ValidationError.field('aws_param.MultiRegion', 'multi-Region keys cannot be created in a custom key store');
  }
  if (origin === 'EXTERNAL_KEY_STORE' && !p.XksKeyId) {
    throw ValidationError.field('aws_param.XksKeyId', 'is required when Origin is EXTERNAL_KEY_STORE');
  }
  if (origin !== 'EXTERNAL_KEY_STORE' && p.XksKeyId) {
    throw ValidationError.field('aws_param.XksKeyId', 'applies only to keys with Origin EXTERNAL_KEY_STORE');
  }
}

function checkTags(tags: { TagKey: string; TagValue: string }[]): Tag[] {
  const seen = new Set<string>();
  return tags.map((t, i) => {
    const field = `aws_param.Tags[${i}]`;
    if (!TAG_KEY.test(t.TagKey))
      throw ValidationError.field(`${field}.TagKey`, 'contains characters AWS does not allow');
    if (t.TagKey.toLowerCase().startsWith('aws:'))
      throw ValidationError.field(`${field}.TagKey`, 'the aws: prefix is reserved');
    if (RESERVED_TAGS.has(t.TagKey))
      throw ValidationError.field(`${field}.TagKey`, `${t.TagKey} is set by opencckm itself`);
    if (!TAG_VALUE.test(t.TagValue)) {
      throw ValidationError.field(`${field}.TagValue`, 'may contain only letters, digits and _ . / = + - @');
    }
    if (seen.has(t.TagKey)) throw ValidationError.field(`${field}.TagKey`, 'is given twice');
    seen.add(t.TagKey);
    return { TagKey: t.TagKey, TagValue: t.TagValue };
  });
}

/** The CreateKey call for checked parameters. */
export function createKeyInput(
  p: AwsKeyParams,
  checked: CheckedKeyParams,
  policy: string | undefined,
  extraTags: Tag[],
): CreateKeyRequest {
  return {
    KeySpec: checked.spec,
    KeyUsage: checked.usage,
    Origin: checked.origin as CreateKeyRequest['Origin'],
    Tags: [...checked.tags, ...extraTags],
    ...(policy !== undefined ? { Policy: policy } : {}),
    ...(p.Description !== undefined ? { Description: p.Description } : {}),
    ...(p.MultiRegion !== undefined ? { MultiRegion: p.MultiRegion } : {}),
    ...(p.BypassPolicyLockoutSafetyCheck !== undefined
      ? { BypassPolicyLockoutSafetyCheck: p.BypassPolicyLockoutSafetyCheck }
      : {}),
    ...(p.CustomKeyStoreId ? { CustomKeyStoreId: p.CustomKeyStoreId } : {}),
    ...(p.XksKeyId ? { XksKeyId: p.XksKeyId } : {}),
  };
}

/** Default of KeyService's reservation grace: the default provider time budget (10 s) and a margin. */
export const DEFAULT_RESERVATION_GRACE_MS = 15_000;

/** The `last_error` of a reservation AWS has no key for. */
export function noKeyForReservation(recordId: string, region: string): string {
  return `AWS has no key for this reservation: no key in ${region} is tagged ${RECORD_TAG}=${recordId}; the creation did not complete`;
}
