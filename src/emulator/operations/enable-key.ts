import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * EnableKey: Disabled → Enabled (a no-op on an Enabled key, as in AWS).
 *
 * @throws NotFoundException | KMSInvalidStateException
 */
export const enableKey: OperationHandler<'EnableKey'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  if (entry.doc.keyState !== 'Enabled') await saveKeyDoc(ctx, entry, { ...entry.doc, keyState: 'Enabled' });
  return {};
};
