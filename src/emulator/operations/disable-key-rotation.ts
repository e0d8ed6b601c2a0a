import { assertKeyUsable } from '../model/key-state.js';
import type { KeyDoc } from '../model/key-record.js';
import type { OperationHandler } from './context.js';
import { assertNotReplica, assertRotationSupported } from './rotation-support.js';
import { saveKeyDoc } from './save-key.js';

/**
 * DisableKeyRotation: turns off automatic rotation; existing material versions stay.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException
 */
export const disableKeyRotation: OperationHandler<'DisableKeyRotation'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertRotationSupported(entry.doc);
  assertNotReplica(entry.doc);
  assertKeyUsable(entry.doc, ctx.op);
  const { rotationPeriodInDays: _p, nextRotationDate: _n, ...rest } = entry.doc;
  const doc: KeyDoc = { ...rest, rotationEnabled: false };
  await saveKeyDoc(ctx, entry, doc, { shared: true });
  return {};
};
