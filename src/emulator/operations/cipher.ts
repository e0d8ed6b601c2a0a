import type { EncryptionAlgorithmSpec } from '@aws-sdk/client-kms';
import { awsError, isAppError } from '../../errors/index.js';
import { CiphertextBlobError, openBlob, parseBlob, sealBlob } from '../crypto/ciphertext-blob.js';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext, type OaepAlgorithm } from '../crypto/rsa-oaep.js';
import type { KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';
import { assertAlgorithm, assertUsableFor, currentMaterialOf, invalidCiphertext, usableKey } from './crypto-key.js';

/** Encryption and decryption under any ENCRYPT_DECRYPT key, shared by Encrypt, Decrypt, ReEncrypt and the data key operations. */

type Context = Record<string, string> | undefined;

const RSA_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

const sm2Unsupported = () =>
  awsError('UnsupportedOperationException', 'SM2PKE encryption is not implemented by the opencckm emulator.');

/** Encryption contexts are a feature of symmetric encryption only. */
function assertNoContextForAsymmetric(context: Context, what: string): void {
  if (context && Object.keys(context).length > 0) {
    throw awsError('ValidationException', `${what} is not supported with asymmetric KMS keys.`);
  }
}

/** The result of encrypting: the blob and, for symmetric keys, the material version used. */
export interface Encrypted {
  blob: Uint8Array;
  materialId?: string;
}

/**
 * Validates an encryption with `entry` (algorithm, context, plaintext limits) and returns
 * a function that performs it, so callers can stop for DryRun in between.
 *
 * @throws InvalidKeyUsageException | ValidationException | UnsupportedOperationException
 */
export function prepareEncrypt(entry: KeyEntry, algorithm: EncryptionAlgorithmSpec, plaintextLength: number, context: Context, contextName = 'EncryptionContext'): (plaintext: Uint8Array) => Encrypted {
  assertAlgorithm(entry.doc, 'EncryptionAlgorithms', algorithm);
  const material = currentMaterialOf(entry);
  if (algorithm === 'SYMMETRIC_DEFAULT') {
    return (pt) => ({ blob: sealBlob({ keyArn: entry.doc.arn, materialId: material.id }, material.bytes, pt, context), materialId: material.id });
  }
  assertNoContextForAsymmetric(context, contextName);
  if (algorithm === 'SM2PKE') throw sm2Unsupported();
  const max = oaepMaxPlaintext(RSA_BITS[entry.doc.keySpec]!, algorithm as OaepAlgorithm);
  if (plaintextLength > max) {
    throw awsError('ValidationException', `Plaintext must be at most ${max} bytes for ${entry.doc.keySpec} with ${algorithm}.`);
  }
  return (pt) => ({ blob: oaepEncrypt(material.bytes, algorithm as OaepAlgorithm, pt) });
}

/** What a decryption names: the blob, the optional KeyId, context and algorithm. */
export interface DecryptRequest {
  blob: Uint8Array;
  keyId?: string;
  context: Context;
  algorithm?: EncryptionAlgorithmSpec;
  contextName?: string;
}

/** The result of decrypting. */
export interface Decrypted {
  entry: KeyEntry;
  plaintext: Uint8Array;
  algorithm: EncryptionAlgorithmSpec;
  materialId?: string;
}

/**
 * Resolves the key of a decryption without decrypting (DryRun with IGNORE_CIPHERTEXT):
 * KeyId is then required, as AWS documents.
 */
export function keyForDecrypt(ctx: OperationContext, keyId: string | undefined, algorithm: EncryptionAlgorithmSpec): KeyEntry {
  if (keyId === undefined) throw awsError('ValidationException', 'KeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT.');
  const entry = usableKey(ctx, keyId, 'ENCRYPT_DECRYPT');
  assertAlgorithm(entry.doc, 'EncryptionAlgorithms', algorithm);
  return entry;
}

/**
 * Decrypts a symmetric blob (finding its key in the blob when no KeyId is given) or an
 * RSA-OAEP ciphertext (KeyId required).
 *
 * @throws InvalidCiphertextException | IncorrectKeyException | InvalidKeyUsageException |
 *   ValidationException | NotFoundException | DisabledException | KMSInvalidStateException
 */
export function decryptAny(ctx: OperationContext, req: DecryptRequest): Decrypted {
  const algorithm = req.algorithm ?? 'SYMMETRIC_DEFAULT';
  const named = req.keyId === undefined ? undefined : usableKey(ctx, req.keyId, 'ENCRYPT_DECRYPT');
  if (named) assertAlgorithm(named.doc, 'EncryptionAlgorithms', algorithm);
  if (algorithm === 'SYMMETRIC_DEFAULT') return decryptSymmetric(ctx, req, named);
  if (!named) throw awsError('ValidationException', 'KeyId is required to decrypt with an asymmetric encryption algorithm.');
  assertNoContextForAsymmetric(req.context, req.contextName ?? 'EncryptionContext');
  if (algorithm === 'SM2PKE') throw sm2Unsupported();
  try {
    return { entry: named, algorithm, plaintext: oaepDecrypt(currentMaterialOf(named).bytes, algorithm as OaepAlgorithm, req.blob) };
  } catch (err) {
    if (isAppError(err)) throw err;
    throw invalidCiphertext();
  }
}

function decryptSymmetric(ctx: OperationContext, req: DecryptRequest, named: KeyEntry | undefined): Decrypted {
  let parsed;
  try {
    parsed = parseBlob(req.blob);
  } catch (err) {
    if (err instanceof CiphertextBlobError) throw invalidCiphertext();
    throw err;
  }
  const blobArn = inCallerRegion(ctx, parsed.keyArn);
  if (named && named.doc.arn !== blobArn) {
    throw awsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
  }
  const entry = named ?? blobKey(ctx, blobArn);
  if (!named) {
    assertUsableFor(ctx, entry.doc, 'ENCRYPT_DECRYPT');
    assertAlgorithm(entry.doc, 'EncryptionAlgorithms', 'SYMMETRIC_DEFAULT');
  }
  const material = entry.material.get(parsed.materialId);
  if (!material) throw invalidCiphertext();
  try {
    return { entry, algorithm: 'SYMMETRIC_DEFAULT', plaintext: openBlob(parsed, material, req.context), materialId: parsed.materialId };
  } catch {
    throw invalidCiphertext();
  }
}

const MRK_ARN = /^(arn:[^:]+:kms:)([^:]+)(:\d{12}:key\/mrk-[0-9a-f]{32})$/;

/**
 * Multi-Region keys are interchangeable: a blob sealed by any key of the set names that
 * key's ARN; in another Region it is read as the same key id in the caller's Region.
 */
function inCallerRegion(ctx: OperationContext, arn: string): string {
  const m = MRK_ARN.exec(arn);
  return m && m[2] !== ctx.region ? `${m[1]}${ctx.region}${m[3]}` : arn;
}

/** The key a blob names; a blob naming no key we hold is invalid ciphertext. */
function blobKey(ctx: OperationContext, keyArn: string): KeyEntry {
  try {
    return ctx.findKey(keyArn, { crossAccount: true });
  } catch (err) {
    if (isAppError(err) && err.awsName === 'NotFoundException') throw invalidCiphertext();
    throw err;
  }
}
