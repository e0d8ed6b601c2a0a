import type { DecryptResponse } from '@aws-sdk/client-kms';
import { decryptAny, keyForDecrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { endDryRun, rejectRecipient } from './crypto-key.js';
import { decryptInStore, isStoreKey } from './custom-key-store-crypto.js';

/**
 * Decrypt: a symmetric blob names its own key and material version, so KeyId is
 * optional (when given it must be the blob's key, else IncorrectKeyException); an RSA or
 * SM2 ciphertext needs KeyId and EncryptionAlgorithm. The response names the key by ARN.
 * DryRun with IGNORE_CIPHERTEXT checks only the key (KeyId then required).
 *
 * @throws InvalidCiphertextException | IncorrectKeyException | InvalidKeyUsageException | NotFoundException |
 *   DisabledException | KMSInvalidStateException | ValidationException | DryRunOperationException
 */
export const decrypt: OperationHandler<'Decrypt'> = async (ctx, input) => {
  rejectRecipient(input.Recipient);
  const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) {
    keyForDecrypt(ctx, input.KeyId, algorithm);
    endDryRun(true);
  }
  const out = decryptAny(ctx, {
    blob: input.CiphertextBlob!,
    keyId: input.KeyId,
    context: input.EncryptionContext,
    algorithm,
    storeLayer: true,
  });
  endDryRun(input.DryRun);
  if (isStoreKey(out.entry))
    out.plaintext = await decryptInStore(ctx, out.entry, out.plaintext, out.materialId, input.EncryptionContext);
  const res: DecryptResponse = {
    KeyId: out.entry.doc.arn,
    Plaintext: out.plaintext,
    EncryptionAlgorithm: out.algorithm,
  };
  if (out.materialId) res.KeyMaterialId = out.materialId;
  return res;
};
