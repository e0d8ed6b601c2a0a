import { createDecipheriv, randomBytes } from 'node:crypto';
import {
  BLOB_FORMAT_VERSION,
  CiphertextBlobError,
  encodeEncryptionContext,
  openBlob,
  parseBlob,
  sealBlob,
} from '../../../../src/emulator/crypto/ciphertext-blob.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MATERIAL_ID = 'ab'.repeat(32);
const key = new Uint8Array(randomBytes(32));
const plaintext = new Uint8Array(Buffer.from('attack at dawn'));
const context = { purpose: 'test', b: '2', a: '1' };

const seal = () => sealBlob({ keyArn: ARN, materialId: MATERIAL_ID }, key, plaintext, context);
const open = (blob: Uint8Array, ctx: Record<string, string> | undefined = context) =>
  openBlob(parseBlob(blob), key, ctx);

test('round trip: the header names the key and material version, the body opens with the context', () => {
  const blob = seal();
  const parsed = parseBlob(blob);
  expect(parsed).toMatchObject({ keyArn: ARN, materialId: MATERIAL_ID });
  expect(Buffer.from(open(blob)).toString()).toBe('attack at dawn');
  // context order does not matter: the encoding is canonical
  expect(Buffer.from(open(blob, { a: '1', b: '2', purpose: 'test' })).toString()).toBe('attack at dawn');
});

test('the byte layout is the documented one and plain AES-256-GCM opens it', () => {
  const blob = Buffer.from(seal());
  const n = ARN.length;
  expect(blob[0]).toBe(BLOB_FORMAT_VERSION);
  expect(blob[1]).toBe(n);
  expect(blob.subarray(2, 2 + n).toString('utf8')).toBe(ARN);
  expect(blob.subarray(2 + n, 2 + n + 32).toString('hex')).toBe(MATERIAL_ID);
  const at = 2 + n + 32;
  const d = createDecipheriv('aes-256-gcm', key, blob.subarray(at, at + 12));
  d.setAAD(
    Buffer.concat([
      Buffer.from('opencckm/emulator/ciphertext/v1\u0000'),
      blob.subarray(0, at),
      encodeEncryptionContext(context),
    ]),
  );
  d.setAuthTag(blob.subarray(at + 12, at + 28));
  expect(Buffer.concat([d.update(blob.subarray(at + 28)), d.final()]).toString()).toBe('attack at dawn');
  expect(blob.length).toBe(at + 28 + plaintext.length);
});

test('two encryptions of the same plaintext differ (random IV)', () => {
  expect(Buffer.from(seal()).equals(Buffer.from(seal()))).toBe(false);
});

test('every single-byte tamper fails with CiphertextBlobError', () => {
  const blob = seal();
  for (let i = 0; i < blob.length; i++) {
    const bad = new Uint8Array(blob);
    bad[i]! ^= 0x01;
    expect(() => open(bad)).toThrow(CiphertextBlobError);
  }
});

test('truncation, extension, an unknown version and garbage fail', () => {
  const blob = seal();
  for (const bad of [
    blob.subarray(0, blob.length - 1),
    new Uint8Array([...blob, 0]),
    new Uint8Array([2, ...blob.subarray(1)]),
    new Uint8Array(40),
    new Uint8Array([1]),
  ]) {
    expect(() => open(bad)).toThrow(CiphertextBlobError);
  }
});

test('a wrong, missing or extra context pair fails; empty and absent contexts are the same', () => {
  const blob = seal();
  expect(() => open(blob, { ...context, purpose: 'other' })).toThrow(CiphertextBlobError);
  expect(() => openBlob(parseBlob(blob), key, undefined)).toThrow(CiphertextBlobError);
  expect(() => open(blob, { ...context, extra: 'x' })).toThrow(CiphertextBlobError);
  const noCtx = sealBlob({ keyArn: ARN, materialId: MATERIAL_ID }, key, plaintext);
  expect(Buffer.from(openBlob(parseBlob(noCtx), key, {})).toString()).toBe('attack at dawn');
});

test('the context encoding cannot be confused by shifting bytes between keys and values', () => {
  expect(encodeEncryptionContext({ ab: 'c' }).equals(encodeEncryptionContext({ a: 'bc' }))).toBe(false);
  expect(encodeEncryptionContext({}).length).toBe(0);
});

test('a wrong material key fails', () => {
  expect(() => openBlob(parseBlob(seal()), new Uint8Array(randomBytes(32)), context)).toThrow(CiphertextBlobError);
});

test('headers that cannot be encoded are refused', () => {
  expect(() => sealBlob({ keyArn: '', materialId: MATERIAL_ID }, key, plaintext)).toThrow(CiphertextBlobError);
  expect(() => sealBlob({ keyArn: ARN, materialId: 'AB'.repeat(32) }, key, plaintext)).toThrow(CiphertextBlobError);
  expect(() => sealBlob({ keyArn: ARN, materialId: 'ab' }, key, plaintext)).toThrow(CiphertextBlobError);
});

test('IVs from the pool never repeat, also across pool refills', () => {
  const material = new Uint8Array(randomBytes(32));
  const header = {
    keyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    materialId: 'ab'.repeat(32),
  };
  const ivs = new Set<string>();
  for (let i = 0; i < 2100; i++)
    ivs.add(Buffer.from(parseBlob(sealBlob(header, material, Buffer.of(i & 0xff))).iv).toString('hex'));
  expect(ivs.size).toBe(2100);
});
