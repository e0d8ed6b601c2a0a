import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * DisableKey: Enabled → Disabled (a no-op on a Disabled key, as in AWS).
 *
 * @throws NotFoundException | KMSInvalidStateException
 */
export const disableKey: OperationHandler<'DisableKey'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  if (entry.doc.keyState !== 'Disabled') await saveKeyDoc(ctx, entry, { ...entry.doc, keyState: 'Disabled' });
  return {};
};
