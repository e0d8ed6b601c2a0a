import { createHash } from 'node:crypto';

/**
 * Small pure helpers both ends of the XKS API share: strict base64 and the
 * ciphertext data integrity value.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical standard base64 (padding required, no whitespace, no URL-safe
 * alphabet); undefined for anything else, so a value has exactly one encoding.
 */
export function decodeBase64Strict(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64.test(value)) return undefined;
  const buf = Buffer.from(value, 'base64');
  return buf.toString('base64') === value ? buf : undefined;
}

/** Standard base64 of bytes. */
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * The XKS `ciphertextDataIntegrityValue` for algorithm SHA_256: SHA-256 over
 * additionalAuthenticatedData || ciphertextMetadata || initializationVector ||
 * ciphertext || authenticationTag (absent fields contribute nothing).
 */
export function ciphertextIntegrityValue(parts: {
  additionalAuthenticatedData?: Uint8Array;
  ciphertextMetadata?: Uint8Array;
  initializationVector: Uint8Array;
  ciphertext: Uint8Array;
  authenticationTag: Uint8Array;
}): Buffer {
  const h = createHash('sha256');
  if (parts.additionalAuthenticatedData) h.update(parts.additionalAuthenticatedData);
  if (parts.ciphertextMetadata) h.update(parts.ciphertextMetadata);
  return h.update(parts.initializationVector).update(parts.ciphertext).update(parts.authenticationTag).digest();
}

/** Limits of the XKS API v1 (sizes in bytes after base64 decoding). */
export const XKS_LIMITS = {
  /** Largest plaintext an encrypt request may carry. */
  maxPlaintextBytes: 4300,
  /** Largest additionalAuthenticatedData. */
  maxAadBytes: 8192,
  /** Largest ciphertextMetadata a proxy may return and KMS will pass back. */
  maxCiphertextMetadataBytes: 20,
  /** AES-GCM initialization vector length the API uses. */
  ivBytes: 12,
  /** AES-GCM authentication tag length. */
  tagBytes: 16,
  /** Largest ciphertext a decrypt request may carry (plaintext limit; GCM adds no bytes). */
  maxCiphertextBytes: 4300,
} as const;

/** The KMS model's pattern for XksKeyId (1 to 128 characters). */
export const XKS_KEY_ID_PATTERN = /^[a-zA-Z0-9\-_.]{1,128}$/;
