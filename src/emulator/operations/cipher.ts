import type { EncryptionAlgorithmSpec } from '@aws-sdk/client-kms';
import { awsError, isAppError } from '../../errors/index.js';
import { CiphertextBlobError, openBlob, parseBlob, sealBlob } from '../crypto/ciphertext-blob.js';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext, type OaepAlgorithm } from '../crypto/rsa-oaep.js';
import { SM2PKE_MAX_PLAINTEXT, sm2Decrypt, sm2Encrypt, sm2PublicPoint } from '../crypto/sm2.js';
import type { KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';
import { assertAlgorithm, assertUsableFor, currentMaterialOf, invalidCiphertext, usableKey } from './crypto-key.js';

/** Encryption and decryption under any ENCRYPT_DECRYPT key, shared by Encrypt, Decrypt, ReEncrypt and the data key operations. */

type Context = Record<string, string> | undefined;

const RSA_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** SM2PKE (China Regions): at most 1024 bytes of plaintext, as AWS documents. */
function prepareSm2Encrypt(material: Uint8Array, plaintextLength: number): (plaintext: Uint8Array) => Encrypted {
  if (plaintextLength > SM2PKE_MAX_PLAINTEXT) {
    throw awsError(
      'ValidationException',
      `Plaintext must be at most ${SM2PKE_MAX_PLAINTEXT} bytes for SM2 with SM2PKE.`,
    );
  }
  return (pt) => ({ blob: sm2Encrypt(sm2PublicPoint(material), pt) });
}

/**
 * Keys in custom key stores encrypt through their store (custom-key-store-crypto.ts,
 * asynchronous); an operation without that path refuses them rather than bypass the store.
 */
const storeKeyUnsupported = (arn: string) =>
  awsError(
    'UnsupportedOperationException',
    `${arn} is in a custom key store, which this operation does not support in the opencckm emulator yet.`,
  );

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
export function prepareEncrypt(
  entry: KeyEntry,
  algorithm: EncryptionAlgorithmSpec,
  plaintextLength: number,
  context: Context,
  contextName = 'EncryptionContext',
): (plaintext: Uint8Array) => Encrypted {
  assertAlgorithm(entry.doc, 'EncryptionAlgorithms', algorithm);
  if (entry.doc.customKeyStoreId !== undefined) throw storeKeyUnsupported(entry.doc.arn);
  const material = currentMaterialOf(entry);
  if (algorithm === 'SYMMETRIC_DEFAULT') {
    return (pt) => ({
      blob: sealBlob({ keyArn: entry.doc.arn, materialId: material.id }, material.bytes, pt, context),
      materialId: material.id,
    });
  }
  assertNoContextForAsymmetric(context, contextName);
  if (algorithm === 'SM2PKE') return prepareSm2Encrypt(material.bytes, plaintextLength);
  const max = oaepMaxPlaintext(RSA_BITS[entry.doc.keySpec]!, algorithm as OaepAlgorithm);
  if (plaintextLength > max) {
    throw awsError(
      'ValidationException',
      `Plaintext must be at most ${max} bytes for ${entry.doc.keySpec} with ${algorithm}.`,
    );
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
  /**
   * The caller completes decryption for keys in custom key stores (decryptInStore): for
   * those keys `plaintext` is then the store layer, not plaintext. Without it such keys are refused.
   */
  storeLayer?: boolean;
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
export function keyForDecrypt(
  ctx: OperationContext,
  keyId: string | undefined,
  algorithm: EncryptionAlgorithmSpec,
): KeyEntry {
  if (keyId === undefined)
    throw awsError('ValidationException', 'KeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT.');
  const entry = usableKey(ctx, keyId, 'ENCRYPT_DECRYPT');
  assertAlgorithm(entry.doc, 'EncryptionAlgorithms', algorithm);
  return entry;
}

/**
 * Decrypts a symmetric blob (finding its key in the blob when no KeyId is given) or an
 * RSA-OAEP or SM2PKE ciphertext (KeyId required).
 *
 * @throws InvalidCiphertextException | IncorrectKeyException | InvalidKeyUsageException |
 *   ValidationException | NotFoundException | DisabledException | KMSInvalidStateException
 */
export function decryptAny(ctx: OperationContext, req: DecryptRequest): Decrypted {
  const algorithm = req.algorithm ?? 'SYMMETRIC_DEFAULT';
  const named = req.keyId === undefined ? undefined : usableKey(ctx, req.keyId, 'ENCRYPT_DECRYPT', req.context);
  if (named) assertAlgorithm(named.doc, 'EncryptionAlgorithms', algorithm);
  if (algorithm === 'SYMMETRIC_DEFAULT') return decryptSymmetric(ctx, req, named);
  if (!named)
    throw awsError('ValidationException', 'KeyId is required to decrypt with an asymmetric encryption algorithm.');
  assertNoContextForAsymmetric(req.context, req.contextName ?? 'EncryptionContext');
  try {
    const bytes = currentMaterialOf(named).bytes;
    const plaintext =
      algorithm === 'SM2PKE' ? sm2Decrypt(bytes, req.blob) : oaepDecrypt(bytes, algorithm as OaepAlgorithm, req.blob);
    return { entry: named, algorithm, plaintext };
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
    throw awsError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a CMK that can perform this operation.',
    );
  }
  const entry = named ?? blobKey(ctx, blobArn, req.context);
  if (!named) {
    assertUsableFor(ctx, entry.doc, 'ENCRYPT_DECRYPT');
    assertAlgorithm(entry.doc, 'EncryptionAlgorithms', 'SYMMETRIC_DEFAULT');
  }
  if (entry.doc.customKeyStoreId !== undefined && !req.storeLayer) throw storeKeyUnsupported(entry.doc.arn);
  const material = entry.material.get(parsed.materialId);
  if (!material) throw invalidCiphertext();
  try {
    return {
      entry,
      algorithm: 'SYMMETRIC_DEFAULT',
      plaintext: openBlob(parsed, material, req.context),
      materialId: parsed.materialId,
    };
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
function blobKey(ctx: OperationContext, keyArn: string, context: Context): KeyEntry {
  try {
    return ctx.findKey(keyArn, { crossAccount: true, encryptionContext: context });
  } catch (err) {
    if (isAppError(err) && err.awsName === 'NotFoundException') throw invalidCiphertext();
    throw err;
  }
}
