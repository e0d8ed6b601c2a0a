import { ownership } from '../../auth/principal.js';
import { hostedParams, type StoreView } from '../../cckm/custom-key-stores/custom-key-store.service.js';
import type { StoreHealth } from '../../cckm/custom-key-stores/store-actions.service.js';

type Json = Record<string, unknown>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * A custom key store record in the original's shape (snake_case `aws_param`,
 * `local_hosted_params`). Secrets are never part of it: not the kmsuser password, not the
 * XKS proxy credential (neither its secret nor its access key id).
 */
export function customKeyStore(v: StoreView): Json {
  const s = v.store;
  const o = ownership(s.account);
  const hosted = hostedParams(s);
  return {
    id: s.id,
    uri: `kylo:kylo:cckm:aws-custom-key-store:${s.id}`,
    account: o.account,
    application: o.application,
    devAccount: o.devAccount,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    name: s.name,
    kms: v.kms.name,
    kms_id: v.kms.id,
    region: s.region,
    linked_state: s.linkedState,
    gone: s.gone,
    last_error: s.lastError,
    synced_at: iso(s.syncedAt),
    aws_param: {
      custom_key_store_type: s.type,
      custom_key_store_id: s.customKeyStoreId,
      custom_key_store_name: s.name,
      aws_account_id: v.kms.awsAccountId,
      connection_state: s.connectionState,
      connection_error_code: s.connectionErrorCode,
      creation_date: iso(s.awsCreatedAt),
      ...(s.type === 'AWS_CLOUDHSM'
        ? {
            cloud_hsm_cluster_id: s.cloudHsmClusterId,
            trust_anchor_certificate: s.trustAnchorCertificate,
            number_of_hsms_in_cloudhsm_cluster: s.numberOfHsms,
          }
        : {
            xks_proxy_connectivity: s.xksProxyConnectivity,
            xks_proxy_uri_endpoint: s.xksProxyUriEndpoint,
            xks_proxy_uri_path: s.xksProxyUriPath,
            xks_proxy_vpc_endpoint_service_name: s.xksProxyVpcEndpointServiceName,
          }),
    },
    local_hosted_params: hosted
      ? {
          blocked: hosted.blocked,
          health_check_key_id: hosted.health_check_key_id ?? null,
          max_credentials: hosted.max_credentials ?? 2,
          source_key_tier: hosted.source_key_tier ?? 'local',
          mtls_enabled: hosted.mtls_enabled ?? false,
          linked_state: s.linkedState,
          health_check_uri_path: s.xksProxyUriPath ? `${s.xksProxyUriPath}/health` : null,
          credential_count: s.xksProxyAccessKeyId ? 1 : 0,
        }
      : null,
  };
}

/** `GET /custom-key-stores/{id}/health`. */
export function storeHealth(h: StoreHealth): Json {
  const s = h.view.store;
  return {
    id: s.id,
    healthy: h.healthy,
    reason: h.reason,
    linked_state: s.linkedState,
    connection_state: s.connectionState,
    connection_error_code: s.connectionErrorCode,
    blocked: hostedParams(s)?.blocked ?? false,
    checked_at: iso(s.syncedAt ?? s.updatedAt),
  };
}
