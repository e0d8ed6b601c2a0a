import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { findStore } from './custom-key-store-rules.js';

/**
 * ConnectCustomKeyStore: answers at once and connects in the background, as AWS does.
 * The store is durably recorded CONNECTING; the attempt then records CONNECTED, or FAILED
 * with a ConnectionErrorCode (see custom-key-store-connection.ts). Connecting a CONNECTED
 * or CONNECTING store does nothing; a FAILED or DISCONNECTING store must be disconnected
 * first. For a CloudHSM store the cluster must be ACTIVE and configured (security group).
 *
 * @throws CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException |
 *   CloudHsmClusterNotActiveException | CloudHsmClusterInvalidConfigurationException
 */
export const connectCustomKeyStore: OperationHandler<'ConnectCustomKeyStore'> = async (ctx, input) => {
  const entry = findStore(ctx, input.CustomKeyStoreId!);
  const { doc } = entry;
  if (doc.connectionState === 'CONNECTED' || doc.connectionState === 'CONNECTING') return {};
  if (doc.connectionState !== 'DISCONNECTED') {
    throw awsError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${doc.customKeyStoreId} is ${doc.connectionState}; disconnect it (DisconnectCustomKeyStore) before connecting it again.`,
    );
  }
  if (doc.type === 'AWS_CLOUDHSM') {
    const cluster = ctx.keyStores.cloudHsm?.findCluster(ctx.accountId, ctx.region, doc.cloudHsmClusterId!);
    if (cluster && cluster.state !== 'ACTIVE' && cluster.state !== 'DELETED') {
      throw awsError(
        'CloudHsmClusterNotActiveException',
        `CloudHSM cluster ${cluster.clusterId} is ${cluster.state}, not ACTIVE.`,
      );
    }
    if (cluster && cluster.state === 'ACTIVE' && !cluster.securityGroup) {
      throw awsError(
        'CloudHsmClusterInvalidConfigurationException',
        `CloudHSM cluster ${cluster.clusterId} has no security group.`,
      );
    }
  }
  const { connectionErrorCode: _none, ...rest } = doc;
  const tx = ctx.begin();
  tx.putCustomKeyStore({ ...entry, doc: { ...rest, connectionState: 'CONNECTING', generation: doc.generation + 1 } });
  await ctx.commit(tx);
  ctx.keyStores.startConnect(ctx.accountId, ctx.region, doc.customKeyStoreId);
  return {};
};
