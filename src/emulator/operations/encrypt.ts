import { prepareEncrypt } from './cipher.js';
import type { OperationHandler } from './context.js';
import { assertAlgorithm, endDryRun, usableKey } from './crypto-key.js';
import { encryptInStore, isStoreKey } from './custom-key-store-crypto.js';

/**
 * Encrypt: SYMMETRIC_DEFAULT (AES-256-GCM, the encryption context bound as AAD, a
 * self-describing blob), RSAES_OAEP_SHA_1/256 under an RSA key (AWS's plaintext limits;
 * no encryption context) or SM2PKE under an SM2 key (China Regions; at most 1024 bytes). EncryptionAlgorithm defaults to SYMMETRIC_DEFAULT, so asymmetric
 * keys need it.
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException |
 *   ValidationException | UnsupportedOperationException | DryRunOperationException
 */
export const encrypt: OperationHandler<'Encrypt'> = async (ctx, input) => {
  const entry = usableKey(ctx, input.KeyId!, 'ENCRYPT_DECRYPT', input.EncryptionContext);
  const algorithm = input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT';
  if (isStoreKey(entry)) {
    assertAlgorithm(entry.doc, 'EncryptionAlgorithms', algorithm);
    endDryRun(input.DryRun);
    const out = await encryptInStore(ctx, entry, input.Plaintext!, input.EncryptionContext);
    return { CiphertextBlob: out.blob, KeyId: entry.doc.arn, EncryptionAlgorithm: algorithm };
  }
  const run = prepareEncrypt(entry, algorithm, input.Plaintext!.length, input.EncryptionContext);
  endDryRun(input.DryRun);
  return { CiphertextBlob: run(input.Plaintext!).blob, KeyId: entry.doc.arn, EncryptionAlgorithm: algorithm };
};
