import type { CreateCustomKeyStoreRequest, UpdateCustomKeyStoreRequest } from '@aws-sdk/client-kms';
import { ValidationError } from '../../errors/index.js';
import { isInternalAddress } from '../../providers/outbound-policy.js';

/** `aws_param` of a create or update request (snake_case, as the original product spells it). */
export interface StoreAwsParams {
  custom_key_store_type?: 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';
  cloud_hsm_cluster_id?: string;
  /** The kmsuser password; passed to AWS, never stored or returned. */
  key_store_password?: string;
  trust_anchor_certificate?: string;
  xks_proxy_connectivity?: 'PUBLIC_ENDPOINT' | 'VPC_ENDPOINT_SERVICE';
  xks_proxy_uri_endpoint?: string;
  xks_proxy_uri_path?: string;
  xks_proxy_vpc_endpoint_service_name?: string;
  /** A third-party proxy's credential; passed to AWS, never stored or returned. */
  xks_proxy_authentication_credential?: { access_key_id: string; raw_secret_access_key: string };
}

/** `local_hosted_params`: opencckm serves the store's XKS proxy. */
export interface LocalHostedParams {
  blocked?: boolean;
  health_check_key_id?: string;
  max_credentials?: number;
  source_key_tier?: 'local';
  mtls_enabled?: boolean;
}

export interface CreateStoreInput {
  name: string;
  kms: string;
  region: string;
  linked_state?: boolean;
  aws_param: StoreAwsParams;
  local_hosted_params?: LocalHostedParams;
}

export interface UpdateStoreInput {
  name?: string;
  aws_param?: Omit<StoreAwsParams, 'custom_key_store_type'>;
  local_hosted_params?: Pick<LocalHostedParams, 'health_check_key_id' | 'max_credentials'>;
}

/** AWS's patterns and bounds (KMS API model), checked here so a 400 names our field. */
const CLUSTER_ID = /^cluster-[2-7a-zA-Z]{11,16}$/;
const URI_ENDPOINT = /^https:\/\/[a-zA-Z0-9.-]+$/;
const URI_PATH = /^(\/[a-zA-Z0-9/_-]+\/kms\/xks\/v\d{1,2})$|^(\/kms\/xks\/v\d{1,2})$/;
const VPC_SERVICE = /^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$/;
const ACCESS_KEY_ID = /^[A-Z2-7]{20,30}$/;
const RAW_SECRET = /^[a-zA-Z0-9/+=]{43,64}$/;

const F = (name: string) => `aws_param.${name}`;

function checkLength(field: string, v: string, min: number, max: number): void {
  if (v.length < min || v.length > max) throw ValidationError.field(field, `must be ${min} to ${max} characters long`);
}

/** Validates the parts of `aws_param` that are given. @throws ValidationError naming the field */
export function checkAwsParams(a: Omit<StoreAwsParams, 'custom_key_store_type'>): void {
  if (a.cloud_hsm_cluster_id !== undefined && !CLUSTER_ID.test(a.cloud_hsm_cluster_id)) {
    throw ValidationError.field(F('cloud_hsm_cluster_id'), 'must look like cluster-<11 to 16 letters or digits 2-7>');
  }
  // Never echo the password: only its length rule is stated.
  if (a.key_store_password !== undefined) checkLength(F('key_store_password'), a.key_store_password, 7, 32);
  if (a.trust_anchor_certificate !== undefined) {
    checkLength(F('trust_anchor_certificate'), a.trust_anchor_certificate, 1, 5000);
    if (!a.trust_anchor_certificate.includes('-----BEGIN CERTIFICATE-----')) {
      throw ValidationError.field(F('trust_anchor_certificate'), 'must be a PEM certificate');
    }
  }
  if (a.xks_proxy_uri_endpoint !== undefined) {
    checkLength(F('xks_proxy_uri_endpoint'), a.xks_proxy_uri_endpoint, 10, 128);
    if (!URI_ENDPOINT.test(a.xks_proxy_uri_endpoint)) {
      throw ValidationError.field(F('xks_proxy_uri_endpoint'), 'must be https://<host name> with no port and no path');
    }
    // A public endpoint AWS (or the emulator) calls: never this server or its private network.
    // Names are checked again, resolved, when the emulator calls them (the outbound policy).
    const host = a.xks_proxy_uri_endpoint.slice('https://'.length).toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || (/^[\d.]+$/.test(host) && isInternalAddress(host))) {
      throw ValidationError.field(
        F('xks_proxy_uri_endpoint'),
        'must name a public host, not a loopback, private or link-local address',
      );
    }
  }
  if (a.xks_proxy_uri_path !== undefined) {
    checkLength(F('xks_proxy_uri_path'), a.xks_proxy_uri_path, 10, 128);
    if (!URI_PATH.test(a.xks_proxy_uri_path)) {
      throw ValidationError.field(F('xks_proxy_uri_path'), 'must start with / and end with /kms/xks/v<version>');
    }
  }
  if (a.xks_proxy_vpc_endpoint_service_name !== undefined && !VPC_SERVICE.test(a.xks_proxy_vpc_endpoint_service_name)) {
    throw ValidationError.field(
      F('xks_proxy_vpc_endpoint_service_name'),
      'must be a VPC endpoint service name (com.amazonaws.vpce.<region>.vpce-svc-…)',
    );
  }
  const c = a.xks_proxy_authentication_credential;
  if (c !== undefined) {
    if (!ACCESS_KEY_ID.test(c.access_key_id)) {
      throw ValidationError.field(
        F('xks_proxy_authentication_credential.access_key_id'),
        'must be 20 to 30 characters of A-Z and 2-7',
      );
    }
    if (!RAW_SECRET.test(c.raw_secret_access_key)) {
      throw ValidationError.field(
        F('xks_proxy_authentication_credential.raw_secret_access_key'),
        'must be 43 to 64 characters of the base64 alphabet',
      );
    }
  }
}

const CLOUDHSM_ONLY = ['cloud_hsm_cluster_id', 'key_store_password', 'trust_anchor_certificate'] as const;
const XKS_ONLY = [
  'xks_proxy_connectivity',
  'xks_proxy_uri_endpoint',
  'xks_proxy_uri_path',
  'xks_proxy_vpc_endpoint_service_name',
  'xks_proxy_authentication_credential',
] as const;
/** Set by opencckm itself for a store it hosts. */
const LOCAL_HOSTED_OWNED = [
  'xks_proxy_uri_endpoint',
  'xks_proxy_uri_path',
  'xks_proxy_vpc_endpoint_service_name',
  'xks_proxy_authentication_credential',
] as const;

/**
 * Checks a create request's combination of fields per store type (seed 000).
 * @throws ValidationError naming the field
 */
export function checkCreate(input: CreateStoreInput): void {
  const a = input.aws_param;
  const type = a.custom_key_store_type ?? 'AWS_CLOUDHSM';
  checkLength('name', input.name, 1, 256);
  checkAwsParams(a);
  const misplaced = (type === 'AWS_CLOUDHSM' ? XKS_ONLY : CLOUDHSM_ONLY).find((f) => a[f] !== undefined);
  if (misplaced) throw ValidationError.field(F(misplaced), `does not apply to ${type} stores`);
  if (type === 'AWS_CLOUDHSM') {
    if (input.local_hosted_params)
      throw ValidationError.field('local_hosted_params', 'applies only to EXTERNAL_KEY_STORE stores');
    for (const f of CLOUDHSM_ONLY)
      if (a[f] === undefined) throw ValidationError.field(F(f), 'is required for AWS_CLOUDHSM stores');
    return;
  }
  if (input.local_hosted_params) {
    const owned = LOCAL_HOSTED_OWNED.find((f) => a[f] !== undefined);
    if (owned)
      throw ValidationError.field(F(owned), 'is set by opencckm for a store it hosts (local_hosted_params); omit it');
    if (a.xks_proxy_connectivity === 'VPC_ENDPOINT_SERVICE') {
      throw ValidationError.field(
        F('xks_proxy_connectivity'),
        'a store opencckm hosts is reached through its public endpoint',
      );
    }
    const max = input.local_hosted_params.max_credentials;
    if (max !== undefined && (max < 2 || max > 20))
      throw ValidationError.field('local_hosted_params.max_credentials', 'must be 2 to 20');
    return;
  }
  if (input.linked_state === false) {
    throw ValidationError.field(
      'linked_state',
      'only a store opencckm hosts (local_hosted_params) can be created unlinked',
    );
  }
  for (const f of [
    'xks_proxy_connectivity',
    'xks_proxy_uri_endpoint',
    'xks_proxy_uri_path',
    'xks_proxy_authentication_credential',
  ] as const) {
    if (a[f] === undefined) throw ValidationError.field(F(f), 'is required for EXTERNAL_KEY_STORE stores');
  }
  if (a.xks_proxy_connectivity === 'VPC_ENDPOINT_SERVICE' && !a.xks_proxy_vpc_endpoint_service_name) {
    throw ValidationError.field(
      F('xks_proxy_vpc_endpoint_service_name'),
      'is required when xks_proxy_connectivity is VPC_ENDPOINT_SERVICE',
    );
  }
  if (a.xks_proxy_connectivity === 'PUBLIC_ENDPOINT' && a.xks_proxy_vpc_endpoint_service_name) {
    throw ValidationError.field(
      F('xks_proxy_vpc_endpoint_service_name'),
      'applies only when xks_proxy_connectivity is VPC_ENDPOINT_SERVICE',
    );
  }
}

/** The CreateCustomKeyStore call for a checked request (the proxy settings given for a hosted store). */
export function createStoreInput(
  input: CreateStoreInput,
  hosted?: { uriEndpoint: string; uriPath: string; accessKeyId: string; secret: string },
): CreateCustomKeyStoreRequest {
  const a = input.aws_param;
  if ((a.custom_key_store_type ?? 'AWS_CLOUDHSM') === 'AWS_CLOUDHSM') {
    return {
      CustomKeyStoreName: input.name,
      CustomKeyStoreType: 'AWS_CLOUDHSM',
      CloudHsmClusterId: a.cloud_hsm_cluster_id!,
      KeyStorePassword: a.key_store_password!,
      TrustAnchorCertificate: a.trust_anchor_certificate!,
    };
  }
  if (hosted) {
    return {
      CustomKeyStoreName: input.name,
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: hosted.uriEndpoint,
      XksProxyUriPath: hosted.uriPath,
      XksProxyAuthenticationCredential: { AccessKeyId: hosted.accessKeyId, RawSecretAccessKey: hosted.secret },
    };
  }
  const c = a.xks_proxy_authentication_credential!;
  return {
    CustomKeyStoreName: input.name,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    XksProxyConnectivity: a.xks_proxy_connectivity!,
    XksProxyUriEndpoint: a.xks_proxy_uri_endpoint!,
    XksProxyUriPath: a.xks_proxy_uri_path!,
    XksProxyAuthenticationCredential: { AccessKeyId: c.access_key_id, RawSecretAccessKey: c.raw_secret_access_key },
    ...(a.xks_proxy_vpc_endpoint_service_name
      ? { XksProxyVpcEndpointServiceName: a.xks_proxy_vpc_endpoint_service_name }
      : {}),
  };
}

/**
 * The UpdateCustomKeyStore call for a PATCH (undefined when nothing AWS holds changes).
 * @throws ValidationError for a field of the other store type, or one opencckm owns
 */
export function updateStoreInput(
  awsId: string,
  type: string,
  hostedByUs: boolean,
  input: UpdateStoreInput,
): UpdateCustomKeyStoreRequest | undefined {
  const a = input.aws_param ?? {};
  checkAwsParams(a);
  const misplaced = (type === 'AWS_CLOUDHSM' ? XKS_ONLY : CLOUDHSM_ONLY).find((f) => a[f] !== undefined);
  if (misplaced) throw ValidationError.field(F(misplaced), `does not apply to ${type} stores`);
  if (hostedByUs) {
    const owned = [...LOCAL_HOSTED_OWNED, 'xks_proxy_connectivity' as const].find((f) => a[f] !== undefined);
    if (owned) throw ValidationError.field(F(owned), 'is managed by opencckm for a store it hosts');
  }
  const c = a.xks_proxy_authentication_credential;
  const req: UpdateCustomKeyStoreRequest = {
    CustomKeyStoreId: awsId,
    ...(input.name !== undefined ? { NewCustomKeyStoreName: input.name } : {}),
    ...(a.cloud_hsm_cluster_id !== undefined ? { CloudHsmClusterId: a.cloud_hsm_cluster_id } : {}),
    ...(a.key_store_password !== undefined ? { KeyStorePassword: a.key_store_password } : {}),
    ...(a.xks_proxy_connectivity !== undefined ? { XksProxyConnectivity: a.xks_proxy_connectivity } : {}),
    ...(a.xks_proxy_uri_endpoint !== undefined ? { XksProxyUriEndpoint: a.xks_proxy_uri_endpoint } : {}),
    ...(a.xks_proxy_uri_path !== undefined ? { XksProxyUriPath: a.xks_proxy_uri_path } : {}),
    ...(a.xks_proxy_vpc_endpoint_service_name !== undefined
      ? { XksProxyVpcEndpointServiceName: a.xks_proxy_vpc_endpoint_service_name }
      : {}),
    ...(c
      ? {
          XksProxyAuthenticationCredential: {
            AccessKeyId: c.access_key_id,
            RawSecretAccessKey: c.raw_secret_access_key,
          },
        }
      : {}),
  };
  return Object.keys(req).length > 1 ? req : undefined;
}
