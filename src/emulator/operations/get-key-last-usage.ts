import type { GetKeyLastUsageResponse } from '@aws-sdk/client-kms';
import type { OperationHandler } from './context.js';

/**
 * GetKeyLastUsage: the key's last successful cryptographic operation, with its time and
 * request id (the emulator has no CloudTrail; CloudTrailEventId repeats the request id).
 * TrackingStartDate is when the emulator began tracking (it opened) or the key's
 * creation, whichever is later. Multi-Region keys track each Region separately.
 *
 * @throws NotFoundException
 */
export const getKeyLastUsage: OperationHandler<'GetKeyLastUsage'> = async (ctx, input) => {
  const { doc } = ctx.findKey(input.KeyId!);
  const created = new Date(doc.creationDate);
  const start = ctx.registry.trackingStart;
  const out: GetKeyLastUsageResponse = {
    KeyId: doc.arn,
    TrackingStartDate: created.getTime() > start.getTime() ? created : new Date(start),
    KeyCreationDate: created,
  };
  const last = ctx.registry.lastUsage.get(doc.arn);
  if (last)
    out.KeyLastUsage = {
      Operation: last.operation as never,
      Timestamp: new Date(last.at),
      CloudTrailEventId: last.requestId,
      KmsRequestId: last.requestId,
    };
  return out;
};
