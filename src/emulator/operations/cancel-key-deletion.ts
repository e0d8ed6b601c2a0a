import { assertKeyUsable } from '../model/key-state.js';
import type { KeyDoc } from '../model/key-record.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * CancelKeyDeletion: a key pending deletion returns to the Disabled state (AWS never
 * re-enables it automatically).
 *
 * @throws NotFoundException | KMSInvalidStateException
 */
export const cancelKeyDeletion: OperationHandler<'CancelKeyDeletion'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  const { deletionDate: _d, pendingWindowInDays: _w, ...rest } = entry.doc;
  const doc: KeyDoc = { ...rest, keyState: 'Disabled' };
  await saveKeyDoc(ctx, entry, doc);
  return { KeyId: entry.doc.arn };
};
