import { generateKeyPair, randomBytes } from 'node:crypto';

/** Key specs whose material this module can generate (AWS KeySpec values). */
export type GeneratableKeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512'
  | 'SM2'
  | 'ML_DSA_44'
  | 'ML_DSA_65'
  | 'ML_DSA_87';

/** OpenSSL curve names for the EC specs. */
export const EC_CURVES: Readonly<Record<string, string>> = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
  ECC_SECG_P256K1: 'secp256k1',
  SM2: 'SM2',
};

/** HMAC key length in bytes: AWS uses keys as long as the digest. */
const HMAC_KEY_BYTES: Readonly<Record<string, number>> = {
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

const RSA_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

const DER = {
  privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
} as const;

type PairRequest = { type: 'rsa'; bits: number } | { type: 'ec'; curve: string } | { type: 'ed25519' };

/** PKCS#8 DER private key of a fresh pair, generated on libuv's thread pool. */
function generatePkcs8(req: PairRequest): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: Buffer, priv: Buffer) => (err ? reject(err) : resolve(new Uint8Array(priv)));
    if (req.type === 'rsa') generateKeyPair('rsa', { modulusLength: req.bits, publicExponent: 0x10001, ...DER }, done);
    else if (req.type === 'ec') generateKeyPair('ec', { namedCurve: req.curve, ...DER }, done);
    else generateKeyPair('ed25519', DER, done);
  });
}

/**
 * Generates fresh key material for a key spec. The encoding depends on the family:
 * raw bytes for SYMMETRIC_DEFAULT (32) and HMAC (digest length); PKCS#8 DER for RSA,
 * EC, SM2 and Ed25519; the 32-byte FIPS 204 seed for ML-DSA (the key pair is derived
 * from it on load, which keeps stored material small).
 *
 * RSA generation runs on libuv's thread pool (`generateKeyPair`), never on the event loop.
 */
export async function generateKeyMaterial(spec: GeneratableKeySpec): Promise<Uint8Array> {
  if (spec === 'SYMMETRIC_DEFAULT') return new Uint8Array(randomBytes(32));
  const hmacBytes = HMAC_KEY_BYTES[spec];
  if (hmacBytes !== undefined) return new Uint8Array(randomBytes(hmacBytes));
  if (spec.startsWith('ML_DSA_')) return new Uint8Array(randomBytes(32));
  const bits = RSA_BITS[spec];
  if (bits !== undefined) return generatePkcs8({ type: 'rsa', bits });
  if (spec === 'ECC_NIST_EDWARDS25519') return generatePkcs8({ type: 'ed25519' });
  const curve = EC_CURVES[spec];
  if (curve === undefined) throw new Error(`no generator for key spec ${spec}`);
  return generatePkcs8({ type: 'ec', curve });
}
