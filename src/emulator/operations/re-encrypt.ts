import type { ReEncryptResponse } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { decryptAny, keyForDecrypt, prepareEncrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { endDryRun, usableKey } from './crypto-key.js';

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
  const destination = usableKey(ctx, input.DestinationKeyId!, 'ENCRYPT_DECRYPT');
  if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) {
    keyForDecrypt(ctx, input.SourceKeyId, srcAlgorithm);
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
  });
  try {
    const run = prepareEncrypt(destination, dstAlgorithm, source.plaintext.length, input.DestinationEncryptionContext, 'DestinationEncryptionContext');
    endDryRun(input.DryRun);
    const out = run(source.plaintext);
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
