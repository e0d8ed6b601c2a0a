import {
  constants,
  createHash,
  createPublicKey,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * RSA signatures over a digest the caller already computed (KMS MessageType DIGEST).
 * node:crypto only signs messages it hashes itself, so the encodings of RFC 8017 are
 * built here and the raw RSA operation is left to OpenSSL:
 * - RSASSA-PKCS1-v1_5: DigestInfo(hash OID, digest) with block type 1 padding;
 * - RSASSA-PSS: EMSA-PSS with MGF1 of the same hash and a salt as long as the digest
 *   (what KMS uses), then the raw RSA primitive.
 */
export type RsaHash = 'sha256' | 'sha384' | 'sha512';

const DIGEST_INFO_PREFIX: Readonly<Record<RsaHash, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const H_LEN: Readonly<Record<RsaHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function mgf1(hash: RsaHash, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * H_LEN[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

const modBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of mHash with sLen = hLen. */
function pssEncode(hash: RsaHash, mHash: Buffer, emBits: number, salt: Buffer): Buffer {
  const hLen = H_LEN[hash];
  const emLen = Math.ceil(emBits / 8);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - hLen - salt.length - 2] = 0x01;
  salt.copy(db, db.length - salt.length);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/** Left-pads the encoded message to the modulus length for the raw RSA operation. */
const toModulus = (em: Buffer, k: number): Buffer => Buffer.concat([Buffer.alloc(k - em.length), em]);

/** Signs a digest with RSASSA-PKCS1-v1_5. */
export function signDigestPkcs1(key: KeyObject, hash: RsaHash, digest: Uint8Array): Uint8Array {
  const t = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, t));
}

/** Verifies an RSASSA-PKCS1-v1_5 signature over a digest. */
export function verifyDigestPkcs1(key: KeyObject, hash: RsaHash, digest: Uint8Array, signature: Uint8Array): boolean {
  const expected = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
  try {
    const t = publicDecrypt({ key: createPublicKey(key), padding: constants.RSA_PKCS1_PADDING }, signature);
    return t.length === expected.length && timingSafeEqual(t, expected);
  } catch {
    return false;
  }
}

/** Signs a digest with RSASSA-PSS (salt length = digest length). */
export function signDigestPss(key: KeyObject, hash: RsaHash, digest: Uint8Array): Uint8Array {
  const bits = modBits(key);
  const em = pssEncode(hash, Buffer.from(digest), bits - 1, randomBytes(H_LEN[hash]));
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, toModulus(em, Math.ceil(bits / 8))));
}

/** Verifies an RSASSA-PSS signature over a digest (EMSA-PSS-VERIFY, RFC 8017 §9.1.2, sLen = hLen). */
export function verifyDigestPss(key: KeyObject, hash: RsaHash, digest: Uint8Array, signature: Uint8Array): boolean {
  const bits = modBits(key);
  const k = Math.ceil(bits / 8);
  if (signature.length !== k) return false;
  let m: Buffer;
  try {
    m = publicDecrypt({ key: createPublicKey(key), padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = bits - 1;
  const emLen = Math.ceil(emBits / 8);
  const em = toModulus(m, k).subarray(k - emLen);
  if (k > emLen && toModulus(m, k)[0] !== 0) return false;
  const hLen = H_LEN[hash];
  if (em[emLen - 1] !== 0xbc || (em[0]! & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const ps = db.length - hLen - 1;
  if (!db.subarray(0, ps).every((b) => b === 0) || db[ps] !== 0x01) return false;
  const salt = db.subarray(ps + 1);
  const h2 = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return timingSafeEqual(h, h2);
}
