import { dataKeyLength, randomDataKey, wrappingKey } from './data-key-support.js';
import type { OperationHandler } from './context.js';

/**
 * GenerateDataKeyWithoutPlaintext: GenerateDataKey that returns only the encrypted copy.
 *
 * @throws ValidationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   InvalidKeyUsageException | DryRunOperationException
 */
export const generateDataKeyWithoutPlaintext: OperationHandler<'GenerateDataKeyWithoutPlaintext'> = async (
  ctx,
  input,
) => {
  const length = dataKeyLength(input.KeySpec, input.NumberOfBytes);
  const { entry, wrap } = wrappingKey(ctx, input.KeyId!, length, input.EncryptionContext, input.DryRun, {
    storeKeys: true,
  });
  const plaintext = randomDataKey(length);
  try {
    const out = await wrap(plaintext);
    return { CiphertextBlob: out.blob, KeyId: entry.doc.arn, KeyMaterialId: out.materialId };
  } finally {
    plaintext.fill(0);
  }
};
