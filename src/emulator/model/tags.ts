import type { Tag } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';

/** AWS KMS allows at most 50 tags on one key. */
export const MAX_TAGS_PER_KEY = 50;

/**
 * AWS answers a key with more than 50 tags by TagException "Too many tags" (recorded
 * against AWS for CreateKey by localstack's validated KMS tests), not LimitExceededException;
 * TagResource and ReplicateKey apply the same rule to the tags the key would end with.
 *
 * @throws TagException
 */
export function assertTagCount(count: number): void {
  if (count > MAX_TAGS_PER_KEY) throw awsError('TagException', 'Too many tags');
}

/** Characters AWS accepts in tag keys and values (letters, digits, spaces and `_ . : / = + - @`). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Validates tags from a request beyond what the model's length limits check: allowed
 * characters, the reserved `aws:` prefix and duplicate keys within the request.
 *
 * @throws TagException
 */
export function validateNewTags(tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    const key = t.TagKey ?? '';
    if (key.toLowerCase().startsWith('aws:'))
      throw awsError('TagException', 'Tag keys beginning with aws: are reserved for AWS use.');
    if (!TAG_CHARS.test(key) || !TAG_CHARS.test(t.TagValue ?? '')) {
      throw awsError(
        'TagException',
        'Tag keys and values may contain only Unicode letters, digits, white space and _ . : / = + - @',
      );
    }
    if (seen.has(key)) throw awsError('TagException', 'Duplicate tag keys are not allowed in one request.');
    seen.add(key);
  }
}

/**
 * Adds or overwrites tags (TagResource semantics: an existing key gets the new value).
 *
 * @throws TagException when the key would carry more than 50 tags
 */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.TagKey, t] as const));
  for (const t of added) byKey.set(t.TagKey, { TagKey: t.TagKey, TagValue: t.TagValue ?? '' });
  assertTagCount(byKey.size);
  return [...byKey.values()];
}
