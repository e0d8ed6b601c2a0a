import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { findStore } from './custom-key-store-rules.js';

/**
 * DeleteCustomKeyStore: only a DISCONNECTED store that holds no KMS keys (keys pending
 * deletion still count until they are deleted). The cluster or proxy is not touched.
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException | CustomKeyStoreHasCMKsException
 */
export const deleteCustomKeyStore: OperationHandler<'DeleteCustomKeyStore'> = async (ctx, input) => {
  const { doc } = findStore(ctx, input.CustomKeyStoreId!);
  if (doc.connectionState !== 'DISCONNECTED') {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${doc.customKeyStoreId} is ${doc.connectionState}; disconnect it before deleting it.`,
    );
  }
  for (const k of ctx.scope().keys.values()) {
    if (k.doc.customKeyStoreId === doc.customKeyStoreId) {
      throw awsError(
        'CustomKeyStoreHasCMKsException',
        `Custom key store ${doc.customKeyStoreId} still contains KMS keys; delete them (ScheduleKeyDeletion) first.`,
      );
    }
  }
  const tx = ctx.begin();
  tx.deleteCustomKeyStore(ctx.accountId, ctx.region, doc.customKeyStoreId);
  await ctx.commit(tx);
  return {};
};
