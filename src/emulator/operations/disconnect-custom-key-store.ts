import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { findStore } from './custom-key-store-rules.js';

/**
 * DisconnectCustomKeyStore: CONNECTED, CONNECTING or FAILED → DISCONNECTED (a connection
 * attempt still running records nothing afterwards). Keys in the store stay but cannot be
 * used or created until it is connected again.
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException (already DISCONNECTED or DISCONNECTING)
 */
export const disconnectCustomKeyStore: OperationHandler<'DisconnectCustomKeyStore'> = async (ctx, input) => {
  const entry = findStore(ctx, input.CustomKeyStoreId!);
  const { doc } = entry;
  if (doc.connectionState === 'DISCONNECTED' || doc.connectionState === 'DISCONNECTING') {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${doc.customKeyStoreId} is already ${doc.connectionState}.`,
    );
  }
  const { connectionErrorCode: _none, ...rest } = doc;
  const tx = ctx.begin();
  tx.putCustomKeyStore({ ...entry, doc: { ...rest, connectionState: 'DISCONNECTED', generation: doc.generation + 1 } });
  await ctx.commit(tx);
  return {};
};
