import { awsError } from '../../errors/index.js';
import { replicasOf } from '../core/replicas.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

const MIN_WINDOW = 7;
const MAX_WINDOW = 30;
const DEFAULT_WINDOW = 30;
const DAY_MS = 86_400_000;

/**
 * ScheduleKeyDeletion: moves the key to PendingDeletion with a DeletionDate 7–30 days
 * (default 30) ahead. The emulator's scheduler deletes it, and its aliases, once the
 * date has passed on the emulator's clock. A multi-Region primary with replicas goes to
 * PendingReplicaDeletion (no DeletionDate) until its replicas are deleted.
 *
 * @throws ValidationException | NotFoundException | KMSInvalidStateException
 */
export const scheduleKeyDeletion: OperationHandler<'ScheduleKeyDeletion'> = async (ctx, input) => {
  const days = input.PendingWindowInDays ?? DEFAULT_WINDOW;
  // The model allows 1–365 (for other key types); customer keys take 7–30.
  if (days < MIN_WINDOW || days > MAX_WINDOW) {
    const bound = days < MIN_WINDOW ? `greater than or equal to ${MIN_WINDOW}` : `less than or equal to ${MAX_WINDOW}`;
    throw awsError(
      'ValidationException',
      `1 validation error detected: Value at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  if (replicasOf(ctx.registry, entry.doc).length > 0) {
    // A primary waits for its replicas; its own window starts when the last one is gone.
    await saveKeyDoc(ctx, entry, { ...entry.doc, keyState: 'PendingReplicaDeletion', pendingWindowInDays: days });
    return { KeyId: entry.doc.arn, KeyState: 'PendingReplicaDeletion', PendingWindowInDays: days };
  }
  const deletionDate = new Date(ctx.now.getTime() + days * DAY_MS);
  await saveKeyDoc(ctx, entry, {
    ...entry.doc,
    keyState: 'PendingDeletion',
    deletionDate: deletionDate.toISOString(),
    pendingWindowInDays: days,
  });
  return { KeyId: entry.doc.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
};
