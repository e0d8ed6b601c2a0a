import { prepareEncrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { endDryRun, usableKey } from './crypto-key.js';

/**
 * Encrypt: SYMMETRIC_DEFAULT (AES-256-GCM, the encryption context bound as AAD, a
 * self-describing blob) or RSAES_OAEP_SHA_1/256 under an RSA key (AWS's plaintext limits;
 * no encryption context). EncryptionAlgorithm defaults to SYMMETRIC_DEFAULT, so asymmetric
 * keys need it.
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException |
 *   ValidationException | UnsupportedOperationException | DryRunOperationException
 */
export const encrypt: OperationHandler<'Encrypt'> = async (ctx, input) => {
  const entry = usableKey(ctx, input.KeyId!, 'ENCRYPT_DECRYPT');
  const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  const run = prepareEncrypt(entry, algorithm, input.Plaintext!.length, input.EncryptionContext);
  endDryRun(input.DryRun);
  return { CiphertextBlob: run(input.Plaintext!).blob, KeyId: entry.doc.arn, EncryptionAlgorithm: algorithm };
};
