import type { Tag } from '@aws-sdk/client-kms';
import { ValidationError } from '../../errors/index.js';
import type { PrincipalFields } from '../templates/principal-fields.js';
import { RESERVED_TAGS, TAG_KEY, TAG_VALUE } from './create-key-request.js';

/**
 * Bodies of the key actions (`POST /cckm/aws/keys/{id}/<action>`), as the original
 * product sends them (reference/cckm-api.md §1.3), already shape-checked by the OpenAPI
 * contract. Where the original is inconsistent both spellings are accepted.
 */

/** One tag of add-tags: the original's snake_case, or AWS's PascalCase. */
export interface TagInput {
  tag_key?: string;
  tag_value?: string;
  TagKey?: string;
  TagValue?: string;
}

/** The `policy` action: exactly one way to set the key policy, as at create. */
export interface PolicyActionInput extends PrincipalFields {
  policy?: unknown;
  Policy?: unknown;
  policytemplate?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}

/** `import-material` (BYOK). */
export interface ImportMaterialInput {
  source_key_tier?: 'local';
  source_key_identifier?: string;
  /** Caller-supplied material, base64: 32 raw bytes (symmetric), raw HMAC key, or PKCS#8 DER. */
  key_material?: string;
  key_expiration?: boolean;
  valid_to?: string;
  key_material_description?: string;
  import_type?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';
  key_material_id?: string;
}

/** `replicate-key`. */
export interface ReplicateKeyInput extends PrincipalFields {
  replica_region: string;
  aws_param?: {
    Description?: string;
    Policy?: unknown;
    Tags?: { TagKey: string; TagValue: string }[];
    BypassPolicyLockoutSafetyCheck?: boolean;
  };
  tags?: TagInput[];
  policytemplate?: string;
}

function checkTagKey(key: string, field: string): void {
  if (!TAG_KEY.test(key)) throw ValidationError.field(field, 'contains characters AWS does not allow');
  if (key.toLowerCase().startsWith('aws:')) throw ValidationError.field(field, 'the aws: prefix is reserved');
  if (RESERVED_TAGS.has(key))
    throw ValidationError.field(field, `${key} is set by opencckm itself and cannot be changed here`);
}

/**
 * The tags of add-tags (or of replicate-key's `tags`), with the rules of create: AWS's key
 * pattern, seed 004's value characters, no `aws:` prefix, not opencckm's own tags, no key twice.
 * @throws ValidationError naming `tags[i].tag_key` / `tags[i].tag_value` (or the PascalCase name given)
 */
export function checkTagsToAdd(tags: TagInput[], at = 'tags'): Tag[] {
  const seen = new Set<string>();
  return tags.map((t, i) => {
    const keyField = t.TagKey !== undefined ? 'TagKey' : 'tag_key';
    const valueField = t.TagValue !== undefined ? 'TagValue' : 'tag_value';
    if (t.TagKey !== undefined && t.tag_key !== undefined) {
      throw ValidationError.field(`${at}[${i}].tag_key`, 'give tag_key or TagKey, not both');
    }
    if (t.TagValue !== undefined && t.tag_value !== undefined) {
      throw ValidationError.field(`${at}[${i}].tag_value`, 'give tag_value or TagValue, not both');
    }
    const key = t.TagKey ?? t.tag_key;
    const value = t.TagValue ?? t.tag_value ?? '';
    if (key === undefined) throw ValidationError.field(`${at}[${i}].tag_key`, 'is required');
    checkTagKey(key, `${at}[${i}].${keyField}`);
    if (!TAG_VALUE.test(value))
      throw ValidationError.field(`${at}[${i}].${valueField}`, 'may contain only letters, digits and _ . / = + - @');
    if (seen.has(key)) throw ValidationError.field(`${at}[${i}].${keyField}`, 'is given twice');
    seen.add(key);
    return { TagKey: key, TagValue: value };
  });
}

/** The tag keys of remove-tags: same key rules, opencckm's own tags refused. @throws ValidationError naming `tags[i]` */
export function checkTagKeysToRemove(keys: string[]): string[] {
  keys.forEach((k, i) => checkTagKey(k, `tags[${i}]`));
  return [...new Set(keys)];
}

/** `policy` or `Policy` (both only when equal). @throws ValidationError naming both */
export function policyOf(input: { policy?: unknown; Policy?: unknown }): { value?: unknown; field: string } {
  if (input.policy !== undefined && input.Policy !== undefined) {
    if (JSON.stringify(input.policy) !== JSON.stringify(input.Policy)) {
      const message = 'policy and Policy are two spellings of the same field; give one of them';
      throw new ValidationError(message, {
        details: [
          { field: 'policy', message },
          { field: 'Policy', message },
        ],
      });
    }
  }
  if (input.Policy !== undefined) return { value: input.Policy, field: 'Policy' };
  return { value: input.policy, field: 'policy' };
}

/** ImportKeyMaterial's expiry from the original's `key_expiration` and `valid_to` (named `validToField` in errors). @throws ValidationError */
export function expiryOf(
  input: ImportMaterialInput,
  now = new Date(),
  validToField = 'valid_to',
): { ExpirationModel: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE'; ValidTo?: Date } {
  const expires = input.key_expiration ?? input.valid_to !== undefined;
  if (!expires) {
    if (input.valid_to !== undefined)
      throw ValidationError.field(validToField, 'applies only when key_expiration is true');
    return { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
  }
  if (input.valid_to === undefined)
    throw ValidationError.field(validToField, 'is required when key_expiration is true');
  const validTo = new Date(input.valid_to);
  const ms = validTo.getTime() - now.getTime();
  if (Number.isNaN(ms) || ms <= 0 || ms > 365 * 86_400_000) {
    throw ValidationError.field(validToField, 'must be a time in the future, at most 365 days from now');
  }
  return { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo };
}
