import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { InternalError } from '../errors/index.js';

const VERSION = 1;

/** Derives a purpose-bound 32-byte subkey from the server master key (HKDF-SHA256). */
export function deriveKey(masterKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `opencckm:${purpose}`, 32));
}

/**
 * Encrypts secrets at rest (connection secret keys, key store passwords) with
 * AES-256-GCM. Layout: version(1) | iv(12) | tag(16) | ciphertext. The purpose string
 * is bound as AAD so a secret cannot be moved to another column and decrypted there.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new InternalError('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, purpose: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ct]);
  }

  open(sealed: Uint8Array, purpose: string): string {
    const buf = Buffer.from(sealed);
    if (buf.length < 29 || buf[0] !== VERSION) throw new InternalError('Sealed secret has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, buf.subarray(1, 13));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(buf.subarray(13, 29));
    try {
      return Buffer.concat([decipher.update(buf.subarray(29)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new InternalError('Sealed secret could not be decrypted (wrong master key?)', { cause: err });
    }
  }
}
