import {
  constants,
  createDecipheriv,
  createHash,
  createPrivateKey,
  generateKeyPair,
  privateDecrypt,
  type KeyObject,
} from 'node:crypto';
import { sm2Decrypt, sm2GeneratePkcs8, sm2PublicKeySpki } from './sm2.js';

/**
 * The wrapping side of key import (GetParametersForImport / ImportKeyMaterial): RSA
 * wrapping key pairs and the unwrapping of EncryptedKeyMaterial with each wrapping
 * algorithm KMS offers for RSA wrapping keys:
 * - RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256: the material is RSA-OAEP encrypted (MGF1
 *   with the same digest);
 * - RSA_AES_KEY_WRAP_SHA_1 / _SHA_256: an ephemeral AES-256 key, RSA-OAEP encrypted
 *   (modulus-length bytes), followed by the material wrapped with AES Key Wrap with
 *   Padding (RFC 5649) under that key.
 */

export type RsaWrappingAlgorithm =
  'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256';

const HASH: Readonly<Record<RsaWrappingAlgorithm, 'sha1' | 'sha256'>> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
  RSA_AES_KEY_WRAP_SHA_1: 'sha1',
  RSA_AES_KEY_WRAP_SHA_256: 'sha256',
};

export const isRsaWrappingAlgorithm = (alg: string): alg is RsaWrappingAlgorithm => alg in HASH;

/** Every wrapping algorithm this module unwraps: the RSA ones and SM2PKE (SM2 wrapping keys, China Regions). */
export type WrappingAlgorithm = RsaWrappingAlgorithm | 'SM2PKE';

/** A fresh SM2 wrapping key pair: PKCS#8 private key and SPKI public key, DER. */
export function generateSm2WrappingKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = sm2GeneratePkcs8();
  return { privateKey, publicKey: sm2PublicKeySpki(privateKey) };
}

/** RFC 5649 alternative initial value, as node's `id-aes256-wrap-pad` takes it. */
const KWP_AIV = Buffer.from('A65959A6', 'hex');

/** Thrown when EncryptedKeyMaterial does not unwrap (wrong key, algorithm or tampering). */
export class UnwrapError extends Error {
  constructor() {
    super('the encrypted key material does not unwrap');
    this.name = 'UnwrapError';
  }
}

/** A fresh RSA wrapping key pair (off the event loop): PKCS#8 private key and SPKI public key, DER. */
export function generateWrappingKeyPair(bits: number): Promise<{ privateKey: Uint8Array; publicKey: Uint8Array }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        publicKeyEncoding: { type: 'spki', format: 'der' },
      },
      (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ privateKey: new Uint8Array(privateKey), publicKey: new Uint8Array(publicKey) }),
    );
  });
}

/** Recovers key material wrapped under the public half of `wrappingPkcs8` (RSA, or SM2 for SM2PKE); throws {@link UnwrapError}. */
export function unwrapKeyMaterial(
  wrappingPkcs8: Uint8Array,
  algorithm: WrappingAlgorithm,
  wrapped: Uint8Array,
): Uint8Array {
  try {
    if (algorithm === 'SM2PKE') return sm2Decrypt(wrappingPkcs8, wrapped);
    const key: KeyObject = createPrivateKey({ key: Buffer.from(wrappingPkcs8), format: 'der', type: 'pkcs8' });
    const oaep = { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASH[algorithm] };
    if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256')
      return new Uint8Array(privateDecrypt(oaep, wrapped));
    const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    if (wrapped.length <= modulusBytes) throw new UnwrapError();
    const aesKey = privateDecrypt(oaep, wrapped.subarray(0, modulusBytes));
    try {
      if (aesKey.length !== 32) throw new UnwrapError();
      const d = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_AIV);
      return new Uint8Array(Buffer.concat([d.update(wrapped.subarray(modulusBytes)), d.final()]));
    } finally {
      aesKey.fill(0);
    }
  } catch {
    throw new UnwrapError();
  }
}

/**
 * The KeyMaterialId of imported material: derived from the key id and the material
 * (as AWS derives it "based on the KMS key ID and the imported key material"), so
 * re-importing the same material yields the same id and earlier ciphertexts, which name
 * the id, decrypt again. A one-way hash of full-entropy material reveals nothing usable.
 */
export function importedMaterialId(keyId: string, material: Uint8Array): string {
  return createHash('sha256')
    .update('opencckm/imported-key-material\u0000')
    .update(keyId)
    .update('\u0000')
    .update(material)
    .digest('hex');
}
