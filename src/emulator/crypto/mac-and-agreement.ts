import { createHmac, createPublicKey, diffieHellman, timingSafeEqual } from 'node:crypto';
import { privateKeyOf } from './asymmetric-keys.js';

/** The HMAC algorithms of KMS and their digests. */
const MAC_HASH = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
} as const;
export type MacAlgorithm = keyof typeof MAC_HASH;

/** HMAC (RFC 2104) of `message` under `key`. */
export function computeMac(alg: MacAlgorithm, key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(MAC_HASH[alg], key).update(message).digest());
}

/** Constant-time check of a MAC. */
export function macMatches(alg: MacAlgorithm, key: Uint8Array, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = computeMac(alg, key, message);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/** Thrown when the peer's public key is not an SPKI key on the KMS key's curve. */
export class PeerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerKeyError';
  }
}

/**
 * ECDH (SP 800-56A, raw shared secret: the x-coordinate of the shared point, as KMS's
 * DeriveSharedSecret returns) between PKCS#8 EC material and a peer's DER SPKI key.
 */
export function ecdhSharedSecret(material: Uint8Array, peerSpki: Uint8Array): Uint8Array {
  const privateKey = privateKeyOf(material);
  let publicKey;
  try {
    publicKey = createPublicKey({ key: Buffer.from(peerSpki), format: 'der', type: 'spki' });
  } catch {
    throw new PeerKeyError('the public key is not a DER-encoded SubjectPublicKeyInfo');
  }
  if (
    publicKey.asymmetricKeyType !== 'ec' ||
    publicKey.asymmetricKeyDetails?.namedCurve !== privateKey.asymmetricKeyDetails?.namedCurve
  ) {
    throw new PeerKeyError('the public key is not on the curve of the KMS key');
  }
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}
