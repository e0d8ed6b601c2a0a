import { awsError } from '../../errors/index.js';
import { withDoc } from '../core/key-vault.js';
import { relatedKeys } from '../core/replicas.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';

/**
 * UpdatePrimaryRegion: makes the replica in PrimaryRegion the primary of the set and
 * the current primary a replica. AWS passes through an Updating state; the emulator
 * completes at once. Naming the current primary Region is a no-op.
 *
 * @throws NotFoundException | UnsupportedOperationException | DisabledException | KMSInvalidStateException
 */
export const updatePrimaryRegion: OperationHandler<'UpdatePrimaryRegion'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  const { doc } = entry;
  if (!doc.multiRegion) throw awsError('UnsupportedOperationException', `${doc.arn} is not a multi-Region key.`);
  if ((doc.primaryRegion ?? doc.region) !== doc.region) {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} is not the primary key; call UpdatePrimaryRegion on the primary key in ${doc.primaryRegion}.`,
    );
  }
  assertKeyUsable(doc, ctx.op);
  const target = input.PrimaryRegion!;
  if (target === doc.region) return {};
  const set = relatedKeys(ctx.registry, doc);
  if (!set.some((e) => e.doc.region === target)) {
    throw awsError('NotFoundException', `${doc.keyId} has no replica in ${target}.`);
  }
  const tx = ctx.begin();
  for (const e of set) tx.putKey(withDoc(e, { ...e.doc, primaryRegion: target }));
  await ctx.commit(tx);
  return {};
};
