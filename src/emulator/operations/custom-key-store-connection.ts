import type { ConnectOutcome } from '../core/store-connector.js';
import type { CustomKeyStoreEntry } from '../model/custom-key-store.js';
import type { KeyStoreServices } from './context.js';
import { connectionErrorOf, failureOf, healthMetadata, proxyTarget } from './custom-key-store-proxy.js';

/**
 * The asynchronous part of ConnectCustomKeyStore: what KMS does after answering.
 * A CloudHSM store: find the cluster (CLUSTER_NOT_FOUND), need an active HSM
 * (INSUFFICIENT_CLOUDHSM_HSMS), log in as `kmsuser` (INVALID_CREDENTIALS, USER_NOT_FOUND,
 * USER_LOCKED_OUT). An external store: the proxy's health call (XKS_PROXY_* and
 * XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND codes).
 */
export async function attemptConnect(services: KeyStoreServices, entry: CustomKeyStoreEntry): Promise<ConnectOutcome> {
  const { doc } = entry;
  if (doc.type === 'AWS_CLOUDHSM') {
    const cluster = services.cloudHsm?.findCluster(doc.accountId, doc.region, doc.cloudHsmClusterId!);
    if (!services.cloudHsm || !cluster || cluster.state === 'DELETED') return { ok: false, code: 'CLUSTER_NOT_FOUND' };
    if (cluster.activeHsms.length === 0) return { ok: false, code: 'INSUFFICIENT_CLOUDHSM_HSMS' };
    const login = services.cloudHsm.loginKmsUser(doc.accountId, doc.region, cluster.clusterId, entry.secret);
    return login === 'OK' ? { ok: true } : { ok: false, code: login };
  }
  const target = proxyTarget(services, doc, doc.xks!, entry.secret);
  if (typeof target === 'string') return { ok: false, code: connectionErrorOf(target) };
  try {
    await services.xksClient!.health(target, healthMetadata('ConnectCustomKeyStore'));
    return { ok: true };
  } catch (err) {
    return { ok: false, code: connectionErrorOf(failureOf(err)) };
  }
}
