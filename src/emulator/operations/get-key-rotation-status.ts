import type { GetKeyRotationStatusResponse } from '@aws-sdk/client-kms';
import type { OperationHandler } from './context.js';
import { assertRotationSupported } from './rotation-support.js';

/**
 * GetKeyRotationStatus: whether automatic rotation is on and, if so, its period and next
 * date. Another account's key is accepted by ARN when its policy allows it.
 *
 * @throws UnsupportedOperationException | NotFoundException | AccessDeniedException
 */
export const getKeyRotationStatus: OperationHandler<'GetKeyRotationStatus'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!, { crossAccount: true });
  assertRotationSupported(entry.doc);
  const doc = entry.doc;
  const out: GetKeyRotationStatusResponse = { KeyRotationEnabled: doc.rotationEnabled, KeyId: doc.arn };
  if (doc.rotationEnabled) {
    out.RotationPeriodInDays = doc.rotationPeriodInDays;
    if (doc.nextRotationDate) out.NextRotationDate = new Date(doc.nextRotationDate);
  }
  return out;
};
