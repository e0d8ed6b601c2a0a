import { awsError } from '../../errors/index.js';
import type { KeyDoc } from '../model/key-record.js';

/**
 * Checks an alias name for CreateAlias/UpdateAlias/DeleteAlias beyond the model's
 * pattern and length: the `alias/` prefix, a non-empty name after it, and the
 * `alias/aws/` prefix AWS reserves for AWS managed keys.
 *
 * @throws ValidationException | NotAuthorizedException
 */
export function checkAliasName(aliasName: string): void {
  if (!aliasName.startsWith('alias/') || aliasName.length === 'alias/'.length) {
    throw awsError(
      'ValidationException',
      'Alias must start with the prefix "alias/" followed by at least one character.',
    );
  }
  if (aliasName.startsWith('alias/aws/')) {
    throw awsError(
      'NotAuthorizedException',
      "Cannot create, update or delete an alias with the reserved prefix 'alias/aws/'.",
    );
  }
}

/** Key "type" for UpdateAlias: both keys must be symmetric, asymmetric or HMAC alike. */
function keyFamily(doc: KeyDoc): string {
  if (doc.keySpec === 'SYMMETRIC_DEFAULT') return 'symmetric';
  if (doc.keySpec.startsWith('HMAC_')) return 'hmac';
  return 'asymmetric';
}

/**
 * UpdateAlias may only move an alias between keys of the same type and key usage, so
 * that code using the alias keeps working.
 *
 * @throws ValidationException
 */
export function checkAliasRetarget(from: KeyDoc, to: KeyDoc): void {
  if (keyFamily(from) !== keyFamily(to) || from.keyUsage !== to.keyUsage) {
    throw awsError(
      'ValidationException',
      'The current and new KMS key of an alias must be the same type (symmetric, asymmetric or HMAC) and have the same key usage.',
    );
  }
}
