import type { ReEncryptResponse } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { decryptAny, keyForDecrypt, prepareEncrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { assertAlgorithm, endDryRun, usableKey } from './crypto-key.js';
import { decryptInStore, encryptInStore, isStoreKey } from './custom-key-store-crypto.js';

/**
 * ReEncrypt: decrypts under the source key (found in a symmetric blob, or SourceKeyId)
 * with SourceEncryptionContext, and encrypts under DestinationKeyId with
 * DestinationEncryptionContext, without returning plaintext.
 *
 * @throws everything Decrypt and Encrypt throw
 */
export const reEncrypt: OperationHandler<'ReEncrypt'> = async (ctx, input) => {
  const srcAlgorithm = input.SourceEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  const dstAlgorithm = input.DestinationEncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  const destination = usableKey(
    ctx,
    input.DestinationKeyId!,
    'ENCRYPT_DECRYPT',
    input.DestinationEncryptionContext,
    'ReEncryptTo',
  );
  if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) {
    keyForDecrypt(ctx, input.SourceKeyId, srcAlgorithm);
    if (isStoreKey(destination)) assertAlgorithm(destination.doc, 'EncryptionAlgorithms', dstAlgorithm);
    else
      prepareEncrypt(destination, dstAlgorithm, 0, input.DestinationEncryptionContext, 'DestinationEncryptionContext');
    endDryRun(true);
  }
  if (input.CiphertextBlob === undefined) throw awsError('ValidationException', 'CiphertextBlob is required.');
  const source = decryptAny(ctx, {
    blob: input.CiphertextBlob,
    keyId: input.SourceKeyId,
    context: input.SourceEncryptionContext,
    algorithm: srcAlgorithm,
    contextName: 'SourceEncryptionContext',
    storeLayer: true,
  });
  try {
    // Keys in custom key stores: the store layer is removed and added asynchronously (custom-key-store-crypto.ts).
    if (isStoreKey(source.entry)) {
      endDryRun(input.DryRun);
      source.plaintext = await decryptInStore(
        ctx,
        source.entry,
        source.plaintext,
        source.materialId,
        input.SourceEncryptionContext,
      );
    }
    let out;
    if (isStoreKey(destination)) {
      assertAlgorithm(destination.doc, 'EncryptionAlgorithms', dstAlgorithm);
      endDryRun(input.DryRun);
      out = await encryptInStore(ctx, destination, source.plaintext, input.DestinationEncryptionContext);
    } else {
      const run = prepareEncrypt(
        destination,
        dstAlgorithm,
        source.plaintext.length,
        input.DestinationEncryptionContext,
        'DestinationEncryptionContext',
      );
      endDryRun(input.DryRun);
      out = run(source.plaintext);
    }
    const res: ReEncryptResponse = {
      CiphertextBlob: out.blob,
      SourceKeyId: source.entry.doc.arn,
      KeyId: destination.doc.arn,
      SourceEncryptionAlgorithm: source.algorithm,
      DestinationEncryptionAlgorithm: dstAlgorithm,
    };
    if (source.materialId) res.SourceKeyMaterialId = source.materialId;
    if (out.materialId) res.DestinationKeyMaterialId = out.materialId;
    return res;
  } finally {
    source.plaintext.fill(0);
  }
};
