import { ownership } from '../../auth/principal.js';
import { hostedParams, type StoreView } from '../../cckm/custom-key-stores/custom-key-store.service.js';
import type { StoreHealth } from '../../cckm/custom-key-stores/store-actions.service.js';
import type { StoreCredentials } from '../../cckm/custom-key-stores/credential-rotation.js';
import type { XksKeyRecord } from '../../cckm/xks/xks-key.repository.js';
import type { UnusedCluster } from '../../cckm/custom-key-stores/unused-clusters.js';
import { summarize, type JobSummary, type JobWithUnits } from '../../cckm/jobs/job.repository.js';
import { syncJob } from './job.presenter.js';

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
    credential_rotation_job_enabled: s.credentialRotationJobEnabled,
    job_config_id: s.jobConfigId,
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
          credential_count: (s.xksProxyAccessKeyId ? 1 : 0) + (s.xksNextAccessKeyId ? 1 : 0),
          credential_version: s.xksCredentialVersion,
          credential_rotated_at: iso(s.xksCredentialRotatedAt),
          credential_rotation_in_progress: s.xksNextAccessKeyId !== null,
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

/**
 * `GET /custom-key-stores/{id}/credentials`: the proxy credentials a hosted store accepts
 * now, secrets included. The only answer that ever carries a store's secret.
 */
export function storeCredentials(c: StoreCredentials): Json {
  const s = c.view.store;
  return {
    id: s.id,
    region: s.region,
    xks_proxy_uri_endpoint: s.xksProxyUriEndpoint,
    xks_proxy_uri_path: s.xksProxyUriPath,
    credential_version: s.xksCredentialVersion,
    credentials: c.credentials.map((k) => ({
      access_key_id: k.accessKeyId,
      secret_access_key: k.secretAccessKey,
      status: k.status,
    })),
  };
}

/** An XKS proxy key: never its material. */
export function xksKey(k: XksKeyRecord): Json {
  const o = ownership(k.account);
  return {
    id: k.id,
    uri: `kylo:kylo:cckm:xks-key:${k.id}`,
    account: o.account,
    application: o.application,
    devAccount: o.devAccount,
    createdAt: iso(k.createdAt),
    updatedAt: iso(k.updatedAt),
    name: k.name,
    key_spec: 'AES_256',
    key_usage: k.keyUsage,
    key_status: k.enabled ? 'ENABLED' : 'DISABLED',
    created_by: k.createdBy,
  };
}

/** `POST /custom-key-stores/get-unused-cloudhsm-clusters`. */
export function unusedClusters(r: { kms: string; region: string; clusters: UnusedCluster[] }): Json {
  return {
    kms: r.kms,
    region: r.region,
    total: r.clusters.length,
    clusters: r.clusters.map(({ cluster: c, activeHsms }) => ({
      cluster_id: c.ClusterId,
      state: c.State ?? null,
      state_message: c.StateMessage ?? null,
      hsm_type: c.HsmType ?? null,
      vpc_id: c.VpcId ?? null,
      hsm_count: c.Hsms?.length ?? 0,
      active_hsm_count: activeHsms,
      create_timestamp: iso(c.CreateTimestamp),
    })),
  };
}

/**
 * A custom key store synchronization job: the synchronization job's shape (`overall_status`,
 * `detailed_status` per `<aws_account_id>/<region>`), with store counts as its progress.
 */
export function storeSyncJob(v: JobSummary): Json {
  const base = syncJob(v);
  const units = base.progress as Record<string, number>;
  const n = (field: string) => v.progress[field] ?? 0;
  return {
    ...base,
    uri: `kylo:kylo:cckm:synchronize-custom-key-stores:${v.job.id}`,
    progress: {
      regions_total: units.regions_total,
      regions_pending: units.regions_pending,
      regions_running: units.regions_running,
      regions_completed: units.regions_completed,
      regions_failed: units.regions_failed,
      regions_cancelled: units.regions_cancelled,
      stores_seen: n('stores_seen'),
      stores_created: n('created'),
      stores_updated: n('updated'),
      stores_gone: n('gone'),
      stores_failed: n('errors'),
    },
  };
}

export const storeSyncJobWithUnits = (v: JobWithUnits): Json => storeSyncJob(summarize(v));
