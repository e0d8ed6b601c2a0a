import type { GetKeyRotationStatusResponse } from '@aws-sdk/client-kms';
import type { OperationHandler } from './context.js';
import { assertKmsGeneratedMaterial } from './rotation-support.js';

/**
 * GetKeyRotationStatus: whether automatic rotation is on and, if so, its period and next
 * date. Another account's key is accepted by ARN when its policy allows it.
 *
 * As in AWS: asymmetric and HMAC keys (which cannot rotate automatically) answer
 * `KeyRotationEnabled: false`, while keys with imported material or in a custom key store are
 * refused; a key pending deletion answers false, and its setting returns if the deletion is
 * cancelled. OnDemandRotationStartDate never appears: on-demand rotations complete before
 * RotateKeyOnDemand answers.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
 *
 * @throws UnsupportedOperationException | NotFoundException | AccessDeniedException
 */
export const getKeyRotationStatus: OperationHandler<'GetKeyRotationStatus'> = async (ctx, input) => {
  const doc = ctx.findKey(input.KeyId!, { crossAccount: true }).doc;
  assertKmsGeneratedMaterial(doc);
  const pendingDeletion = doc.keyState === 'PendingDeletion' || doc.keyState === 'PendingReplicaDeletion';
  const enabled = doc.rotationEnabled && !pendingDeletion;
  const out: GetKeyRotationStatusResponse = { KeyRotationEnabled: enabled, KeyId: doc.arn };
  if (enabled) {
    out.RotationPeriodInDays = doc.rotationPeriodInDays;
    if (doc.nextRotationDate) out.NextRotationDate = new Date(doc.nextRotationDate);
  }
  return out;
};
