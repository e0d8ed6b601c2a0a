import { randomBytes } from 'node:crypto';
import {
  decodeMaterialSet,
  encodeMaterialSet,
  EnvelopeError,
  openWithRootKey,
  ROOT_ENVELOPE_VERSION,
  sealWithRootKey,
} from '../../../../src/emulator/crypto/envelope-codec.js';

const root = new Uint8Array(randomBytes(32));
const secret = new Uint8Array(randomBytes(48));

describe('root envelope', () => {
  test('round-trips and starts with the format-version byte', () => {
    const sealed = sealWithRootKey(root, 'key/a/b/c', secret);
    expect(sealed[0]).toBe(ROOT_ENVELOPE_VERSION);
    expect(sealed.length).toBe(1 + 12 + 16 + secret.length);
    expect(Buffer.from(sealed).includes(Buffer.from(secret))).toBe(false);
    expect(openWithRootKey(root, 'key/a/b/c', sealed)).toEqual(secret);
  });

  test('uses a fresh nonce every time', () => {
    const a = sealWithRootKey(root, 'x', secret);
    const b = sealWithRootKey(root, 'x', secret);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  test('refuses another root key, another binding, tampering, truncation and unknown versions', () => {
    const sealed = sealWithRootKey(root, 'key/a/b/c', secret);
    expect(() => openWithRootKey(new Uint8Array(randomBytes(32)), 'key/a/b/c', sealed)).toThrow(EnvelopeError);
    expect(() => openWithRootKey(root, 'key/a/b/d', sealed)).toThrow('failed authentication');
    for (const at of [1, 14, sealed.length - 1]) {
      const bad = new Uint8Array(sealed);
      bad[at]! ^= 1;
      expect(() => openWithRootKey(root, 'key/a/b/c', bad)).toThrow(EnvelopeError);
    }
    expect(() => openWithRootKey(root, 'key/a/b/c', sealed.subarray(0, 20))).toThrow('truncated');
    const v2 = new Uint8Array(sealed);
    v2[0] = 2;
    expect(() => openWithRootKey(root, 'key/a/b/c', v2)).toThrow('unknown format version');
  });

  test('requires a 32-byte root key', () => {
    expect(() => sealWithRootKey(new Uint8Array(16), 'x', secret)).toThrow('32 bytes');
  });
});

describe('material set', () => {
  const entries = [
    { id: 'a'.repeat(64), material: new Uint8Array(randomBytes(32)) },
    { id: '0123456789abcdef'.repeat(4), material: new Uint8Array(randomBytes(1217)) },
  ];

  test('round-trips several versions in order', () => {
    expect(decodeMaterialSet(encodeMaterialSet(entries))).toEqual(entries);
    expect(decodeMaterialSet(encodeMaterialSet([]))).toEqual([]);
  });

  test('rejects truncated data, trailing bytes and malformed ids', () => {
    const bytes = encodeMaterialSet(entries);
    expect(() => decodeMaterialSet(bytes.subarray(0, bytes.length - 1))).toThrow('truncated');
    expect(() => decodeMaterialSet(new Uint8Array([...bytes, 0]))).toThrow('trailing');
    expect(() => decodeMaterialSet(new Uint8Array([0]))).toThrow('truncated');
    expect(() => encodeMaterialSet([{ id: 'xyz', material: new Uint8Array(1) }])).toThrow('32 bytes');
  });
});
