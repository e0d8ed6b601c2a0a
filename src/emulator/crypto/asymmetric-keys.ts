import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { sm2PublicKeySpki } from './sm2.js';
import { der } from './der.js';

/**
 * Opening stored asymmetric material (PKCS#8 DER for RSA, EC, SM2 and Ed25519; the
 * 32-byte FIPS 204 seed for ML-DSA) and exporting public keys as DER
 * SubjectPublicKeyInfo, the format GetPublicKey returns.
 */

/** The ML-DSA parameter sets by key spec, with the SPKI algorithm OID's last arc (2.16.840.1.101.3.4.3.x). */
export const ML_DSA = {
  ML_DSA_44: { dsa: ml_dsa44, oidArc: 0x11 },
  ML_DSA_65: { dsa: ml_dsa65, oidArc: 0x12 },
  ML_DSA_87: { dsa: ml_dsa87, oidArc: 0x13 },
} as const;

export type MlDsaSpec = keyof typeof ML_DSA;

export const isMlDsaSpec = (spec: string): spec is MlDsaSpec => spec in ML_DSA;

/**
 * Parsed keys per material version. Parsing PKCS#8 (RSA above all: it validates the
 * key) costs far more than signing, so each material buffer is parsed once; the
 * emulator's bounded material cache (core/key-vault.ts) keeps the buffers of recently
 * used keys, and an entry goes with its buffer when the cache drops it (WeakMap).
 */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new WeakMap<Uint8Array, KeyObject>();
const rawKeys = new WeakMap<Uint8Array, Buffer>();

/** A node KeyObject for PKCS#8 DER material (cached per material buffer). */
export function privateKeyOf(material: Uint8Array): KeyObject {
  let key = privateKeys.get(material);
  if (!key) {
    key = createPrivateKey({ key: Buffer.from(material), format: 'der', type: 'pkcs8' });
    privateKeys.set(material, key);
  }
  return key;
}

/** The public half of PKCS#8 DER material as a KeyObject (cached per material buffer). */
export function publicKeyOf(material: Uint8Array): KeyObject {
  let key = publicKeys.get(material);
  if (!key) {
    key = createPublicKey(privateKeyOf(material));
    publicKeys.set(material, key);
  }
  return key;
}

/** The ML-DSA key pair derived from a stored seed. */
export function mlDsaKeys(spec: MlDsaSpec, seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return ML_DSA[spec].dsa.keygen(seed);
}

/** SPKI for an ML-DSA public key (RFC 9881: AlgorithmIdentifier with no parameters). */
function mlDsaSpki(spec: MlDsaSpec, publicKey: Uint8Array): Buffer {
  const oid = Buffer.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, ML_DSA[spec].oidArc);
  return der(0x30, Buffer.concat([der(0x30, oid), der(0x03, Buffer.concat([Buffer.of(0), Buffer.from(publicKey)]))]));
}

/** The DER SubjectPublicKeyInfo of an asymmetric key's material. */
export function publicKeySpki(spec: string, material: Uint8Array): Uint8Array {
  if (isMlDsaSpec(spec)) return new Uint8Array(mlDsaSpki(spec, mlDsaKeys(spec, material).publicKey));
  // node cannot be trusted with SM2 key objects (some exports abort the process): see sm2.ts.
  if (spec === 'SM2') return sm2PublicKeySpki(material);
  return new Uint8Array(publicKeyOf(material).export({ type: 'spki', format: 'der' }));
}

/** The raw private scalar (EC) or seed (Ed25519) of PKCS#8 material, for primitives node lacks. */
export function rawPrivateKey(material: Uint8Array): Buffer {
  let raw = rawKeys.get(material);
  if (!raw) {
    const jwk = privateKeyOf(material).export({ format: 'jwk' });
    if (typeof jwk.d !== 'string') throw new Error('key has no private component');
    raw = Buffer.from(jwk.d, 'base64url');
    rawKeys.set(material, raw);
  }
  return raw;
}
