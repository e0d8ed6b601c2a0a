import { randomBytes, randomInt } from 'node:crypto';
import type { SecretBox } from '../../auth/secret-box.js';
import type { XksCredential } from '../../xks/xks-types.js';

/** The base32 alphabet AWS allows in an XKS proxy AccessKeyId (`^[A-Z2-7]+$`, 20–30 characters). */
const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ACCESS_KEY_LENGTH = 24;

/** The AAD a hosted store's proxy secret is sealed with: bound to the store, useless in another row. */
const xksSecretPurpose = (storeId: string) => `custom-key-store:${storeId}:xks_proxy_secret`;

/**
 * A fresh proxy authentication credential for a store opencckm hosts: a 24-character
 * AccessKeyId and a 44-character secret of 32 random bytes in base64 (AWS allows 43–64).
 */
export function generateXksCredential(): XksCredential {
  let accessKeyId = '';
  for (let i = 0; i < ACCESS_KEY_LENGTH; i++) accessKeyId += ACCESS_KEY_ALPHABET[randomInt(ACCESS_KEY_ALPHABET.length)];
  return { accessKeyId, secretAccessKey: randomBytes(32).toString('base64') };
}

export function sealXksSecret(box: SecretBox, storeId: string, secret: string): Buffer {
  return box.seal(secret, xksSecretPurpose(storeId));
}

export function openXksSecret(box: SecretBox, storeId: string, sealed: Uint8Array): string {
  return box.open(sealed, xksSecretPurpose(storeId));
}
