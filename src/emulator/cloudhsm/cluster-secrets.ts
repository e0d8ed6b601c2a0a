import { createCipheriv, createDecipheriv, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { awsError } from '../../errors/index.js';

/**
 * Password hashing for HSM users and AES-256-GCM under cluster keys. Passwords are kept
 * only as scrypt hashes (`scrypt$<N>$<salt>$<hash>`, base64); cluster key material only
 * in memory and, sealed under the emulator root key, in the store.
 */

/** log2 of scrypt's N for new password hashes unless the emulator is given another (2^14). */
export const DEFAULT_SCRYPT_LOG_N = 14;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** scrypt with r=8 needs 128·N bytes (16 MiB at N=2^14, 128 MiB at the largest N allowed, 2^20). */
const MAXMEM = 192 * 1024 * 1024;

/** Hashes a password with a fresh salt at scrypt cost N = 2^`logN`; the hash records N. */
export function hashPassword(password: string, logN = DEFAULT_SCRYPT_LOG_N): string {
  const n = 2 ** logN;
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password.normalize('NFC'), salt, HASH_BYTES, { N: n, r: 8, p: 1, maxmem: MAXMEM });
  return `scrypt$${n}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches `stored` (constant-time comparison); false for a malformed hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !hash || !/^\d+$/.test(n)) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password.normalize('NFC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: 8,
    p: 1,
    maxmem: MAXMEM,
  });
  return expected.length === HASH_BYTES && timingSafeEqual(expected, actual);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM: returns iv(12) || ciphertext || tag(16). */
export function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([iv, ct, cipher.getAuthTag()]));
}

/** Reverses {@link gcmEncrypt}. @throws AppError InvalidCiphertextException when the blob does not authenticate */
export function gcmDecrypt(key: Uint8Array, blob: Uint8Array, aad: Uint8Array): Uint8Array {
  const fail = () => awsError('InvalidCiphertextException', 'The ciphertext does not decrypt under this cluster key.');
  if (blob.length < IV_BYTES + TAG_BYTES) throw fail();
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]),
    );
  } catch {
    throw fail();
  }
}
