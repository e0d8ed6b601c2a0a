import { decodeBase64Strict, XKS_KEY_ID_PATTERN, XKS_LIMITS } from './codec.js';
import type { XksErrorName, XksHealthRequestMetadata, XksRequestMetadata } from './xks-types.js';

/**
 * Strict parsing of XKS proxy requests (the route and the JSON body). Every failure is
 * an {@link XksProxyError} naming the offending field; nothing here touches keys.
 */

/** HTTP status of each XKS error name (XKS Proxy API v1). */
const XKS_ERROR_STATUS: Readonly<Record<XksErrorName, number>> = {
  ValidationException: 400,
  InvalidStateException: 400,
  InvalidCiphertextException: 400,
  InvalidKeyUsageException: 400,
  AuthenticationFailedException: 401,
  AccessDeniedException: 403,
  KeyNotFoundException: 404,
  InvalidUriPathException: 404,
  UnsupportedOperationException: 501,
  ThrottlingException: 429,
  InternalException: 500,
  DependencyTimeoutException: 503,
};

/** An XKS error the proxy answers with: `{errorName, errorMessage}` and its HTTP status. */
export class XksProxyError extends Error {
  readonly status: number;
  constructor(
    readonly errorName: XksErrorName,
    message: string,
  ) {
    super(message);
    this.name = 'XksProxyError';
    this.status = XKS_ERROR_STATUS[errorName];
  }
}

/** The operation a request path names. */
export type XksRoute = { op: 'health' } | { op: 'metadata' | 'encrypt' | 'decrypt'; keyId: string };

/**
 * Parses a path relative to the store's URI path (`/health`, `/keys/{keyId}/encrypt`).
 * @throws XksProxyError InvalidUriPathException for any other path, ValidationException for a malformed key id.
 */
export function parseXksRoute(path: string): XksRoute {
  if (path === '/health') return { op: 'health' };
  const m = /^\/keys\/([^/]+)\/(metadata|encrypt|decrypt)$/.exec(path);
  if (!m) throw new XksProxyError('InvalidUriPathException', 'The request path is not an XKS API v1 operation');
  const keyId = m[1]!;
  if (!XKS_KEY_ID_PATTERN.test(keyId))
    throw new XksProxyError('ValidationException', 'keyId must be 1 to 128 characters of [a-zA-Z0-9-_.]');
  return { op: m[2] as 'metadata' | 'encrypt' | 'decrypt', keyId };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string) => new XksProxyError('ValidationException', message);

/**
 * The requestMetadata members each operation requires (XKS Proxy API v1). GetHealthStatus
 * carries only `kmsRequestId` and `kmsOperation`: AWS KMS calls it on its own, with no
 * principal, so requiring more would fail CreateCustomKeyStore and ConnectCustomKeyStore.
 * `kmsKeyArn`, required of KMS for Encrypt and Decrypt, is not checked: the spec expects no
 * validation of requestMetadata beyond the signature, and KMS omits it for CreateKey.
 */
export const REQUIRED_METADATA: Readonly<Record<XksRoute['op'], readonly string[]>> = {
  health: ['kmsRequestId', 'kmsOperation'],
  metadata: ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'],
  encrypt: ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'],
  decrypt: ['awsPrincipalArn', 'kmsOperation', 'kmsRequestId'],
};
const METADATA_MAX_FIELDS = 16;
const METADATA_MAX_CHARS = 2048;

/**
 * Parses the JSON body and checks its top-level fields are among `allowed` and that
 * `requestMetadata` is present, well formed and has the `required` members. Other
 * requestMetadata members are tolerated (KMS may add context) but must be bounded strings.
 * @throws XksProxyError ValidationException
 */
export function parseXksBody(
  raw: Uint8Array,
  allowed: readonly string[],
  required: readonly string[] = REQUIRED_METADATA.metadata,
): { body: Record<string, unknown>; requestMetadata: XksHealthRequestMetadata & Partial<XksRequestMetadata> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw invalid('The request body is not valid JSON');
  }
  if (!isRecord(parsed)) throw invalid('The request body must be a JSON object');
  for (const key of Object.keys(parsed)) {
    if (key !== 'requestMetadata' && !allowed.includes(key)) throw invalid(`Unknown field ${key}`);
  }
  const md = parsed.requestMetadata;
  if (!isRecord(md)) throw invalid('requestMetadata is required and must be an object');
  const entries = Object.entries(md);
  if (entries.length > METADATA_MAX_FIELDS)
    throw invalid(`requestMetadata has more than ${METADATA_MAX_FIELDS} fields`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || value.length > METADATA_MAX_CHARS)
      throw invalid(`requestMetadata.${key} must be a string of at most ${METADATA_MAX_CHARS} characters`);
  }
  for (const key of required) {
    if (typeof md[key] !== 'string' || md[key] === '') throw invalid(`requestMetadata.${key} is required`);
  }
  return { body: parsed, requestMetadata: md as unknown as XksHealthRequestMetadata & Partial<XksRequestMetadata> };
}

/**
 * Reads a base64 field and bounds its decoded size.
 * @throws XksProxyError ValidationException naming the field
 */
function bytesField(
  body: Record<string, unknown>,
  field: string,
  bounds: { min?: number; max: number; exact?: number },
  optional = false,
): Buffer | undefined {
  const value = body[field];
  if (value === undefined && optional) return undefined;
  if (value === undefined) throw invalid(`${field} is required`);
  const buf = decodeBase64Strict(value);
  if (!buf) throw invalid(`${field} must be standard base64`);
  if (bounds.exact !== undefined && buf.length !== bounds.exact)
    throw invalid(`${field} must be ${bounds.exact} bytes`);
  if (buf.length < (bounds.min ?? 0) || buf.length > bounds.max)
    throw invalid(`${field} must be ${bounds.min ?? 0} to ${bounds.max} bytes`);
  return buf;
}

/**
 * Checks `encryptionAlgorithm` is AES_GCM, the only one of XKS API v1.
 * @throws XksProxyError ValidationException when absent or not a string, UnsupportedOperationException for another algorithm
 */
function checkAlgorithm(body: Record<string, unknown>): void {
  const alg = body.encryptionAlgorithm;
  if (typeof alg !== 'string') throw invalid('encryptionAlgorithm is required');
  if (alg !== 'AES_GCM')
    throw new XksProxyError('UnsupportedOperationException', 'encryptionAlgorithm must be AES_GCM');
}

/** Decoded encrypt request. @throws XksProxyError */
export function parseEncrypt(body: Record<string, unknown>): { plaintext: Buffer; aad?: Buffer; integrity: boolean } {
  checkAlgorithm(body);
  const plaintext = bytesField(body, 'plaintext', { max: XKS_LIMITS.maxPlaintextBytes })!;
  const aad = bytesField(body, 'additionalAuthenticatedData', { max: XKS_LIMITS.maxAadBytes }, true);
  const integrityAlg = body.ciphertextDataIntegrityValueAlgorithm;
  if (integrityAlg !== undefined && integrityAlg !== 'SHA_256')
    throw invalid('ciphertextDataIntegrityValueAlgorithm must be SHA_256');
  return { plaintext, aad, integrity: integrityAlg === 'SHA_256' };
}

/** Decoded decrypt request. @throws XksProxyError */
export function parseDecrypt(body: Record<string, unknown>): {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  aad?: Buffer;
  metadata?: Buffer;
} {
  checkAlgorithm(body);
  return {
    ciphertext: bytesField(body, 'ciphertext', { max: XKS_LIMITS.maxCiphertextBytes })!,
    iv: bytesField(body, 'initializationVector', { exact: XKS_LIMITS.ivBytes, max: XKS_LIMITS.ivBytes })!,
    tag: bytesField(body, 'authenticationTag', { exact: XKS_LIMITS.tagBytes, max: XKS_LIMITS.tagBytes })!,
    aad: bytesField(body, 'additionalAuthenticatedData', { max: XKS_LIMITS.maxAadBytes }, true),
    metadata: bytesField(body, 'ciphertextMetadata', { max: XKS_LIMITS.maxCiphertextMetadataBytes }, true),
  };
}

/** Top-level fields each operation accepts besides requestMetadata. */
export const ALLOWED_FIELDS: Readonly<Record<XksRoute['op'], readonly string[]>> = {
  health: [],
  metadata: [],
  encrypt: ['plaintext', 'encryptionAlgorithm', 'additionalAuthenticatedData', 'ciphertextDataIntegrityValueAlgorithm'],
  decrypt: [
    'ciphertext',
    'encryptionAlgorithm',
    'initializationVector',
    'authenticationTag',
    'additionalAuthenticatedData',
    'ciphertextMetadata',
  ],
};
