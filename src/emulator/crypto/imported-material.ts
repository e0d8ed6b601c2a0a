import { createPrivateKey } from 'node:crypto';
import { EC_CURVES } from './key-generation.js';
import { sm2CanonicalPkcs8, Sm2Error } from './sm2.js';

/**
 * What key material KMS accepts for import, per key spec: 256-bit keys for
 * SYMMETRIC_DEFAULT; HMAC keys between the digest length and the block size
 * (HMAC_224 28–64, HMAC_256 32–64, HMAC_384 48–128, HMAC_512 64–128 bytes); PKCS#8 DER
 * private keys of the exact type, size or curve for RSA, ECC, SM2 and Ed25519 keys.
 */

const HMAC_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  HMAC_224: [28, 64],
  HMAC_256: [32, 64],
  HMAC_384: [48, 128],
  HMAC_512: [64, 128],
};

const RSA_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** Thrown when material does not fit the key spec; the message never describes the bytes. */
export class ImportedMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportedMaterialError';
  }
}

/** True for key specs whose material can be imported (ML-DSA cannot). */
export function importableSpec(spec: string): boolean {
  return (
    spec === 'SYMMETRIC_DEFAULT' ||
    spec in HMAC_RANGE ||
    spec in RSA_BITS ||
    spec === 'ECC_NIST_EDWARDS25519' ||
    spec in EC_CURVES
  );
}

/**
 * Checks imported material against the key spec and returns it in the form the
 * emulator stores (raw bytes, or re-encoded PKCS#8 DER so that the same private key
 * always has the same bytes and therefore the same KeyMaterialId).
 *
 * @throws ImportedMaterialError
 */
export function canonicalImportedMaterial(spec: string, material: Uint8Array): Uint8Array {
  if (spec === 'SYMMETRIC_DEFAULT') {
    if (material.length !== 32) throw new ImportedMaterialError('Symmetric key material must be 256 bits (32 bytes).');
    return new Uint8Array(material);
  }
  const range = HMAC_RANGE[spec];
  if (range) {
    if (material.length < range[0] || material.length > range[1]) {
      throw new ImportedMaterialError(`${spec} key material must be ${range[0]} to ${range[1]} bytes.`);
    }
    return new Uint8Array(material);
  }
  if (spec === 'SM2') {
    // node cannot be trusted with SM2 key objects (see sm2.ts): parsed and re-encoded there.
    try {
      return sm2CanonicalPkcs8(material);
    } catch (err) {
      if (err instanceof Sm2Error)
        throw new ImportedMaterialError('The key material is not an SM2 private key in DER-encoded PKCS#8.');
      throw err;
    }
  }
  let key;
  try {
    key = createPrivateKey({ key: Buffer.from(material), format: 'der', type: 'pkcs8' });
  } catch {
    throw new ImportedMaterialError(`${spec} key material must be a DER-encoded PKCS#8 private key.`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  const bits = RSA_BITS[spec];
  const fits =
    bits !== undefined
      ? key.asymmetricKeyType === 'rsa' && details.modulusLength === bits
      : spec === 'ECC_NIST_EDWARDS25519'
        ? key.asymmetricKeyType === 'ed25519'
        : key.asymmetricKeyType === 'ec' && details.namedCurve === EC_CURVES[spec];
  if (!fits) throw new ImportedMaterialError(`The key material is not a ${spec} private key.`);
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
}
