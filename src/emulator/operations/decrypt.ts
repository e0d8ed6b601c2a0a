import type { DecryptResponse } from '@aws-sdk/client-kms';
import { decryptAny, keyForDecrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { endDryRun, rejectRecipient } from './crypto-key.js';

/**
 * Decrypt: a symmetric blob names its own key and material version, so KeyId is
 * optional (when given it must be the blob's key, else IncorrectKeyException); an RSA
 * ciphertext needs KeyId and EncryptionAlgorithm. The response names the key by ARN.
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
  const out = decryptAny(ctx, { blob: input.CiphertextBlob!, keyId: input.KeyId, context: input.EncryptionContext, algorithm });
  endDryRun(input.DryRun);
  const res: DecryptResponse = { KeyId: out.entry.doc.arn, Plaintext: out.plaintext, EncryptionAlgorithm: out.algorithm };
  if (out.materialId) res.KeyMaterialId = out.materialId;
  return res;
};
