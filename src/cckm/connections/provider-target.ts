import { createHash } from 'node:crypto';
import type { SecretBox } from '../../auth/secret-box.js';
import type { CloudName, ProviderKind, ProviderTarget } from '../../providers/registry.js';
import type { ConnectionRecord, KmsAccountRecord } from '../common/records.js';

/** The AAD a connection's secret is sealed with: the secret cannot be replayed into another row. */
export const secretPurpose = (connectionId: string) => `connection:${connectionId}:secret_access_key`;

/** The region STS and connection tests use when no KMS region is involved. */
export function homeRegion(cloud: string, configured?: string | null): string {
  if (configured) return configured;
  return cloud === 'aws-us-gov' ? 'us-gov-east-1' : cloud === 'aws-cn' ? 'cn-north-1' : 'us-east-1';
}

const versions = new WeakMap<ConnectionRecord, string>();

/**
 * What identifies a connection's settings: a digest of the fields that shape its
 * clients. Recording `last_connection_ok` (which moves `updated_at`) keeps the version, so
 * it does not cost fresh SDK clients; changing credentials, role, endpoint or cloud does.
 */
function connectionVersion(conn: ConnectionRecord): string {
  let v = versions.get(conn);
  if (v === undefined) {
    const secret = conn.secretAccessKeyEnc ? Buffer.from(conn.secretAccessKeyEnc).toString('base64') : null;
    const fields = [
      conn.provider,
      conn.cloudName,
      conn.accessKeyId,
      secret,
      conn.assumeRoleArn,
      conn.assumeRoleExternalId,
      conn.awsStsRegionalEndpoints,
      conn.awsRegion,
      conn.endpointUrl,
    ];
    v = createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 22);
    versions.set(conn, v);
  }
  return v;
}

/**
 * Turns a stored connection (and optionally the KMS account using it) into a provider
 * target, decrypting the secret access key in memory only.
 */
export function providerTarget(
  box: SecretBox,
  conn: ConnectionRecord,
  region: string,
  kms?: Pick<KmsAccountRecord, 'assumeRoleArn' | 'assumeRoleExternalId'>,
): ProviderTarget {
  const roleArn = kms?.assumeRoleArn ?? conn.assumeRoleArn;
  const externalId = kms?.assumeRoleArn ? kms.assumeRoleExternalId : conn.assumeRoleExternalId;
  return {
    connectionId: conn.id,
    connectionVersion: connectionVersion(conn),
    tenant: conn.account,
    provider: conn.provider as ProviderKind,
    cloudName: conn.cloudName as CloudName,
    region,
    ...(conn.accessKeyId ? { accessKeyId: conn.accessKeyId } : {}),
    ...(conn.secretAccessKeyEnc ? { secretAccessKey: box.open(conn.secretAccessKeyEnc, secretPurpose(conn.id)) } : {}),
    ...(conn.endpointUrl ? { endpointUrl: conn.endpointUrl } : {}),
    ...(roleArn ? { assumeRoleArn: roleArn } : {}),
    ...(externalId ? { assumeRoleExternalId: externalId } : {}),
    stsRegionalEndpoints: conn.awsStsRegionalEndpoints === 'regional' ? 'regional' : 'legacy',
    ...(conn.awsRegion ? { stsRegion: conn.awsRegion } : {}),
  };
}
