import { dataKeyLength, randomDataKey, wrappingKey } from './data-key-support.js';
import type { OperationHandler } from './context.js';
import { rejectRecipient } from './crypto-key.js';

/**
 * GenerateDataKey: a random data key (KeySpec AES_128/AES_256 or NumberOfBytes) returned
 * in plaintext and encrypted under a symmetric encryption key with the encryption context.
 *
 * @throws ValidationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   InvalidKeyUsageException | DryRunOperationException
 */
export const generateDataKey: OperationHandler<'GenerateDataKey'> = async (ctx, input) => {
  rejectRecipient(input.Recipient);
  const length = dataKeyLength(input.KeySpec, input.NumberOfBytes);
  const { entry, wrap } = wrappingKey(ctx, input.KeyId!, length, input.EncryptionContext, input.DryRun, {
    storeKeys: true,
  });
  const plaintext = randomDataKey(length);
  const out = await wrap(plaintext);
  return { CiphertextBlob: out.blob, Plaintext: plaintext, KeyId: entry.doc.arn, KeyMaterialId: out.materialId };
};
