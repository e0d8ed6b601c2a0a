import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Byte layouts of everything the emulator seals under its root key. Every envelope
 * starts with a format-version byte so that the layout can evolve without ambiguity;
 * readers refuse versions they do not know instead of guessing.
 *
 * Root envelope, format 1:
 * ```
 * [0]      0x01 format version
 * [1..13)  AES-256-GCM nonce (12 random bytes)
 * [13..29) GCM tag (16 bytes)
 * [29..)   ciphertext
 * ```
 * The AAD is a domain-separation label followed by the caller's binding string (for
 * key material: the object's account, region and key id), so a sealed secret copied
 * onto another row does not open.
 */
export const ROOT_ENVELOPE_VERSION = 1;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES + TAG_BYTES;
const LABEL = 'opencckm/emulator/root-envelope/v1\u0000';

/** Thrown when an envelope cannot be opened (wrong root key, tampering, unknown format). */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

function assertRootKey(rootKey: Uint8Array): void {
  if (rootKey.length !== 32) throw new EnvelopeError('the emulator root key must be 32 bytes');
}

/** Encrypts `plaintext` under the root key, bound to `binding`. */
export function sealWithRootKey(rootKey: Uint8Array, binding: string, plaintext: Uint8Array): Uint8Array {
  assertRootKey(rootKey);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', rootKey, nonce);
  cipher.setAAD(Buffer.from(LABEL + binding, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.of(ROOT_ENVELOPE_VERSION), nonce, cipher.getAuthTag(), ct]));
}

/** Reverses {@link sealWithRootKey}; throws {@link EnvelopeError} if anything does not match. */
export function openWithRootKey(rootKey: Uint8Array, binding: string, envelope: Uint8Array): Uint8Array {
  assertRootKey(rootKey);
  if (envelope.length < HEADER_BYTES) throw new EnvelopeError('root envelope is truncated');
  if (envelope[0] !== ROOT_ENVELOPE_VERSION) throw new EnvelopeError('root envelope has an unknown format version');
  const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', rootKey, buf.subarray(1, 1 + NONCE_BYTES));
  decipher.setAAD(Buffer.from(LABEL + binding, 'utf8'));
  decipher.setAuthTag(buf.subarray(1 + NONCE_BYTES, HEADER_BYTES));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES)), decipher.final()]));
  } catch {
    throw new EnvelopeError('root envelope failed authentication');
  }
}

/** One version of a key's material, as serialised inside the sealed secret. */
export interface MaterialEntry {
  /** 64 lowercase hex characters (AWS BackingKeyIdType). */
  id: string;
  material: Uint8Array;
}

/**
 * Serialises a key's material versions for sealing: `u8 count`, then per entry
 * `32-byte id | u32be length | bytes`. Binary rather than JSON so the plaintext never
 * passes through string conversions that could be logged or interned.
 */
export function encodeMaterialSet(entries: readonly MaterialEntry[]): Uint8Array {
  if (entries.length > 0xffff) throw new EnvelopeError('too many material versions');
  const parts: Buffer[] = [Buffer.from([entries.length >> 8, entries.length & 0xff])];
  for (const e of entries) {
    const id = Buffer.from(e.id, 'hex');
    if (id.length !== 32) throw new EnvelopeError('material id must be 32 bytes of hex');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(e.material.length);
    parts.push(id, len, Buffer.from(e.material));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Reverses {@link encodeMaterialSet}. */
export function decodeMaterialSet(bytes: Uint8Array): MaterialEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 2) throw new EnvelopeError('material set is truncated');
  const count = buf.readUInt16BE(0);
  const out: MaterialEntry[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 36 > buf.length) throw new EnvelopeError('material set is truncated');
    const id = buf.subarray(at, at + 32).toString('hex');
    const len = buf.readUInt32BE(at + 32);
    at += 36;
    if (at + len > buf.length) throw new EnvelopeError('material set is truncated');
    out.push({ id, material: new Uint8Array(buf.subarray(at, at + len)) });
    at += len;
  }
  if (at !== buf.length) throw new EnvelopeError('material set has trailing bytes');
  return out;
}
