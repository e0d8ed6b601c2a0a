import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { privateKeyOf, publicKeyOf } from './asymmetric-keys.js';

/** The RSA encryption algorithms of KMS and their OAEP digest (MGF1 uses the same digest). */
const OAEP_HASH = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' } as const;
export type OaepAlgorithm = keyof typeof OAEP_HASH;

const HASH_BYTES: Readonly<Record<OaepAlgorithm, number>> = { RSAES_OAEP_SHA_1: 20, RSAES_OAEP_SHA_256: 32 };

/** Thrown when an OAEP ciphertext does not decrypt (wrong key, algorithm or tampering). */
class OaepError extends Error {
  constructor() {
    super('RSA-OAEP decryption failed');
    this.name = 'OaepError';
  }
}

/**
 * The largest plaintext OAEP takes: k − 2·hLen − 2 bytes (RFC 8017 §7.1.1), which gives
 * AWS's published limits (RSA_2048: 214 / 190, RSA_3072: 342 / 318, RSA_4096: 470 / 446
 * for SHA-1 / SHA-256).
 */
export function oaepMaxPlaintext(modulusBits: number, alg: OaepAlgorithm): number {
  return modulusBits / 8 - 2 * HASH_BYTES[alg] - 2;
}

/** Encrypts with the public half of PKCS#8 RSA material. */
export function oaepEncrypt(material: Uint8Array, alg: OaepAlgorithm, plaintext: Uint8Array): Uint8Array {
  const key = publicKeyOf(material);
  return new Uint8Array(
    publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg] }, plaintext),
  );
}

/** Decrypts with PKCS#8 RSA material; throws {@link OaepError} on any failure. */
export function oaepDecrypt(material: Uint8Array, alg: OaepAlgorithm, ciphertext: Uint8Array): Uint8Array {
  try {
    const key = privateKeyOf(material);
    return new Uint8Array(
      privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg] }, ciphertext),
    );
  } catch {
    throw new OaepError();
  }
}
