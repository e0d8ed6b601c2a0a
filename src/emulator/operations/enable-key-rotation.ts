import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { assertNotReplica, assertRotationSupported } from './rotation-support.js';
import { saveKeyDoc } from './save-key.js';

const DEFAULT_PERIOD_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * EnableKeyRotation: turns on automatic rotation every RotationPeriodInDays (90–2560,
 * default 365, range enforced by the model). The next rotation is one period from now;
 * the emulator's scheduler performs it.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException
 */
export const enableKeyRotation: OperationHandler<'EnableKeyRotation'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertRotationSupported(entry.doc);
  assertNotReplica(entry.doc);
  assertKeyUsable(entry.doc, ctx.op);
  const period = input.RotationPeriodInDays ?? DEFAULT_PERIOD_DAYS;
  await saveKeyDoc(
    ctx,
    entry,
    {
      ...entry.doc,
      rotationEnabled: true,
      rotationPeriodInDays: period,
      nextRotationDate: new Date(ctx.now.getTime() + period * DAY_MS).toISOString(),
    },
    { shared: true },
  );
  return {};
};
