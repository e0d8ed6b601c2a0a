import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { saveKeyDoc } from './save-key.js';

/**
 * UpdateKeyDescription: replaces the description ("" clears it).
 *
 * @throws NotFoundException | KMSInvalidStateException
 */
export const updateKeyDescription: OperationHandler<'UpdateKeyDescription'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertKeyUsable(entry.doc, ctx.op);
  await saveKeyDoc(ctx, entry, { ...entry.doc, description: input.Description! });
  return {};
};
