/**
 * The AWS External Key Store (XKS) Proxy API, version 1, as both ends of opencckm use
 * it: the emulator's KMS calls a proxy with an {@link XksClient}; opencckm serves a
 * proxy for stores with `local_hosted_params`. Paths are relative to the store's
 * XksProxyUriPath (`<prefix>/kms/xks/v1`):
 *   POST {path}/health, POST {path}/keys/{keyId}/metadata,
 *   POST {path}/keys/{keyId}/encrypt, POST {path}/keys/{keyId}/decrypt.
 * Requests are SigV4-signed with the store's proxy authentication credential
 * (service name `kms-xks-proxy`, the KMS Region).
 */

/**
 * The `requestMetadata` of GetHealthStatus: exactly these two fields. The health request
 * names no principal (AWS calls it on its own, periodically and from the store APIs).
 */
export interface XksHealthRequestMetadata {
  kmsRequestId: string;
  kmsOperation: string;
}

/** The `requestMetadata` object KMS sends with every key operation (GetKeyMetadata, Encrypt, Decrypt). */
export interface XksRequestMetadata {
  awsPrincipalArn: string;
  kmsOperation: string;
  kmsRequestId: string;
  kmsKeyArn?: string;
  awsSourceVpc?: string;
  awsSourceVpce?: string;
  kmsViaService?: string;
}

/** XksProxyAuthenticationCredential: an access key id and its secret. */
export interface XksCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Where and how to reach one external key store's proxy. */
export interface XksProxyTarget {
  /** XksProxyUriEndpoint, e.g. `https://xks.example.com` (no port, no path). */
  uriEndpoint: string;
  /** XksProxyUriPath, e.g. `/example/kms/xks/v1`. */
  uriPath: string;
  credential: XksCredential;
  /** The AWS Region of the KMS store (the SigV4 signing region). */
  region: string;
}

/** The error names the XKS API defines (the `errorName` of a proxy's error body). */
export type XksErrorName =
  | 'ValidationException'
  | 'InvalidStateException'
  | 'InvalidCiphertextException'
  | 'InvalidKeyUsageException'
  | 'AuthenticationFailedException'
  | 'AccessDeniedException'
  | 'KeyNotFoundException'
  | 'InvalidUriPathException'
  | 'UnsupportedOperationException'
  | 'ThrottlingException'
  | 'InternalException'
  | 'DependencyTimeoutException';

/**
 * Why a proxy call failed: the proxy answered with an XKS error, or it could not be
 * reached, timed out, or answered something that is not the XKS API.
 */
export type XksFailure =
  | { kind: 'proxy-error'; errorName: XksErrorName; message: string; httpStatus: number }
  | { kind: 'unreachable'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'invalid-response'; message: string };

/** Thrown by {@link XksClient} calls. */
export class XksCallError extends Error {
  constructor(readonly failure: XksFailure) {
    super(failure.message);
    this.name = 'XksCallError';
  }
}

/** The key usages of XKS API v1 that KMS relies on. */
export type XksKeyUsage = 'ENCRYPT' | 'DECRYPT';

export interface XksKeyMetadata {
  keySpec: 'AES_256';
  keyUsage: XksKeyUsage[];
  keyStatus: 'ENABLED' | 'DISABLED';
}

export interface XksHealth {
  xksProxyFleetSize: number;
  xksProxyVendor: string;
  xksProxyModel: string;
  ekmVendor: string;
  ekmFleetDetails: Array<{ id: string; model: string; healthStatus: 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE' }>;
}

export interface XksEncryptResult {
  /** Base64-decoded fields of the proxy's answer. */
  ciphertext: Uint8Array;
  initializationVector: Uint8Array;
  authenticationTag: Uint8Array;
  ciphertextMetadata?: Uint8Array;
  /** Present when requested; already checked by the client against the other fields. */
  ciphertextDataIntegrityValue?: Uint8Array;
}

/** The client side, as the emulator's KMS uses it. Every call throws {@link XksCallError}. */
/** What an AES_GCM decrypt through the proxy takes (the parts an encrypt answered). */
export interface XksDecryptInput {
  ciphertext: Uint8Array;
  initializationVector: Uint8Array;
  authenticationTag: Uint8Array;
  additionalAuthenticatedData?: Uint8Array;
  ciphertextMetadata?: Uint8Array;
}

export interface XksClient {
  /** Sends only `kmsRequestId` and `kmsOperation`, as AWS KMS does. */
  health(target: XksProxyTarget, requestMetadata: XksHealthRequestMetadata): Promise<XksHealth>;
  getKeyMetadata(target: XksProxyTarget, keyId: string, requestMetadata: XksRequestMetadata): Promise<XksKeyMetadata>;
  encrypt(
    target: XksProxyTarget,
    keyId: string,
    req: {
      plaintext: Uint8Array;
      additionalAuthenticatedData?: Uint8Array;
      ciphertextDataIntegrityValueAlgorithm?: 'SHA_256';
    },
    requestMetadata: XksRequestMetadata,
  ): Promise<XksEncryptResult>;
  decrypt(
    target: XksProxyTarget,
    keyId: string,
    req: XksDecryptInput,
    requestMetadata: XksRequestMetadata,
  ): Promise<Uint8Array>;
}
