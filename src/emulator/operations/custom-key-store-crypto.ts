import { createHash } from 'node:crypto';
import { awsError } from '../../errors/index.js';
import {
  CiphertextBlobError,
  encodeEncryptionContext,
  openBlob,
  parseBlob,
  sealBlob,
} from '../crypto/ciphertext-blob.js';
import type { CustomKeyStoreEntry, StoreKeyDoc } from '../model/custom-key-store.js';
import type { KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';
import { currentMaterialOf, invalidCiphertext } from './crypto-key.js';
import { cryptoError, failureOf, proxyTarget, requestMetadata } from './custom-key-store-proxy.js';
import { storeOfKey } from './custom-key-store-keys.js';

/**
 * Symmetric encryption with keys in custom key stores, as AWS does it: KMS first encrypts
 * with the key's own KMS material (an ordinary blob, context bound), then the store
 * encrypts that (the CloudHSM cluster key, or the external key through the XKS proxy, with
 * AAD binding key ARN and context), so the store never sees plaintext and neither side
 * alone can decrypt. The result travels inside an ordinary blob under the KMS material
 * again, which makes it self-describing (Decrypt finds the key without KeyId).
 *
 * Store payload: `0x01 ‖ u8 ivLen ‖ iv ‖ u8 tagLen ‖ tag ‖ u16be metaLen ‖ meta ‖ ciphertext` (XKS)
 * or `0x02 ‖ cluster ciphertext` (CloudHSM).
 */

type Context = Record<string, string> | undefined;

const XKS_PAYLOAD = 1;
const HSM_PAYLOAD = 2;

/** True for a key whose cryptography the store performs. */
export const isStoreKey = (entry: KeyEntry): boolean => entry.doc.customKeyStoreId !== undefined;

/**
 * The CONNECTED store of a key. A store that is not connected makes its keys Unavailable.
 *
 * @throws KMSInvalidStateException
 */
function connectedStore(ctx: OperationContext, entry: KeyEntry): CustomKeyStoreEntry {
  const store = storeOfKey(ctx.registry, entry.doc);
  if (!store || store.doc.connectionState !== 'CONNECTED') {
    throw awsError(
      'KMSInvalidStateException',
      `${entry.doc.arn} is Unavailable: its custom key store is not connected.`,
    );
  }
  return store;
}

/** AAD of the store layer: SHA-256 over the key ARN and the canonical encryption context. */
function storeAad(entry: KeyEntry, context: Context): Uint8Array {
  return createHash('sha256').update(entry.doc.arn).update('\u0000').update(encodeEncryptionContext(context)).digest();
}

async function storeEncrypt(
  ctx: OperationContext,
  store: CustomKeyStoreEntry,
  entry: KeyEntry,
  data: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const doc = entry.doc as StoreKeyDoc;
  if (store.doc.type === 'AWS_CLOUDHSM') {
    const directory = ctx.keyStores.cloudHsm;
    if (!directory)
      throw awsError('KMSInvalidStateException', `${doc.arn} is Unavailable: its CloudHSM cluster cannot be reached.`);
    const ct = directory.clusterEncrypt(
      doc.accountId,
      doc.region,
      store.doc.cloudHsmClusterId!,
      doc.cloudHsmKeyHandle!,
      data,
      aad,
    );
    return Buffer.concat([Buffer.of(HSM_PAYLOAD), ct]);
  }
  const target = proxyTarget(ctx.keyStores, store.doc, store.doc.xks!, store.secret);
  if (typeof target === 'string') throw cryptoError(target, 'KMSInvalidStateException');
  try {
    const r = await ctx.keyStores.xksClient!.encrypt(
      target,
      doc.xksKeyId!,
      { plaintext: data, additionalAuthenticatedData: aad },
      requestMetadata(ctx.principalArn, ctx.op, doc.arn),
    );
    const meta = r.ciphertextMetadata ?? new Uint8Array(0);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(meta.length);
    return Buffer.concat([
      Buffer.of(XKS_PAYLOAD, r.initializationVector.length),
      r.initializationVector,
      Buffer.of(r.authenticationTag.length),
      r.authenticationTag,
      len,
      meta,
      r.ciphertext,
    ]);
  } catch (err) {
    throw cryptoError(failureOf(err), 'KMSInvalidStateException');
  }
}

function parseXksPayload(buf: Buffer) {
  let at = 1;
  const take = (n: number): Buffer => {
    if (at + n > buf.length) throw invalidCiphertext();
    const out = buf.subarray(at, at + n);
    at += n;
    return out;
  };
  const iv = take(take(1)[0]!);
  const tag = take(take(1)[0]!);
  const meta = take(take(2).readUInt16BE(0));
  return {
    initializationVector: iv,
    authenticationTag: tag,
    ...(meta.length ? { ciphertextMetadata: meta } : {}),
    ciphertext: buf.subarray(at),
  };
}

async function storeDecrypt(
  ctx: OperationContext,
  store: CustomKeyStoreEntry,
  entry: KeyEntry,
  payload: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const doc = entry.doc as StoreKeyDoc;
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const kind = buf[0];
  if (store.doc.type === 'AWS_CLOUDHSM') {
    if (kind !== HSM_PAYLOAD) throw invalidCiphertext();
    const directory = ctx.keyStores.cloudHsm;
    if (!directory)
      throw awsError('KMSInvalidStateException', `${doc.arn} is Unavailable: its CloudHSM cluster cannot be reached.`);
    return directory.clusterDecrypt(
      doc.accountId,
      doc.region,
      store.doc.cloudHsmClusterId!,
      doc.cloudHsmKeyHandle!,
      buf.subarray(1),
      aad,
    );
  }
  if (kind !== XKS_PAYLOAD) throw invalidCiphertext();
  const target = proxyTarget(ctx.keyStores, store.doc, store.doc.xks!, store.secret);
  if (typeof target === 'string') throw cryptoError(target, 'KMSInvalidStateException');
  try {
    return await ctx.keyStores.xksClient!.decrypt(
      target,
      doc.xksKeyId!,
      { ...parseXksPayload(buf), additionalAuthenticatedData: aad },
      requestMetadata(ctx.principalArn, ctx.op, doc.arn),
    );
  } catch (err) {
    throw cryptoError(failureOf(err), 'KMSInvalidStateException');
  }
}

/**
 * Encrypts under a key in a custom key store (SYMMETRIC_DEFAULT; the only spec such keys have).
 *
 * @throws KMSInvalidStateException | DependencyTimeoutException | CloudHSM and proxy failures as AWS maps them
 */
export async function encryptInStore(
  ctx: OperationContext,
  entry: KeyEntry,
  plaintext: Uint8Array,
  context: Context,
): Promise<{ blob: Uint8Array; materialId: string }> {
  const store = connectedStore(ctx, entry);
  const material = currentMaterialOf(entry);
  const header = { keyArn: entry.doc.arn, materialId: material.id };
  const inner = sealBlob(header, material.bytes, plaintext, context);
  const payload = await storeEncrypt(ctx, store, entry, inner, storeAad(entry, context));
  return { blob: sealBlob(header, material.bytes, payload, context), materialId: material.id };
}

/**
 * Reverses {@link encryptInStore}'s store and inner layers, given the outer blob's content
 * (what decryptAny returns for a store key).
 *
 * @throws InvalidCiphertextException | KMSInvalidStateException | DependencyTimeoutException
 */
export async function decryptInStore(
  ctx: OperationContext,
  entry: KeyEntry,
  payload: Uint8Array,
  materialId: string | undefined,
  context: Context,
): Promise<Uint8Array> {
  const store = connectedStore(ctx, entry);
  const inner = await storeDecrypt(ctx, store, entry, payload, storeAad(entry, context));
  const material = materialId === undefined ? undefined : entry.material.get(materialId);
  if (!material) throw invalidCiphertext();
  try {
    const parsed = parseBlob(inner);
    if (parsed.keyArn !== entry.doc.arn || parsed.materialId !== materialId) throw invalidCiphertext();
    return openBlob(parsed, material, context);
  } catch (err) {
    if (err instanceof CiphertextBlobError) throw invalidCiphertext();
    throw err;
  }
}
