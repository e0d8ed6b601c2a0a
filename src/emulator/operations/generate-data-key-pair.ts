import { assertPairSpecAvailable, newDataKeyPair, wrappingKey } from './data-key-support.js';
import type { OperationHandler } from './context.js';
import { rejectRecipient } from './crypto-key.js';

/**
 * GenerateDataKeyPair: a fresh key pair of KeyPairSpec; the private key (PKCS#8 DER) is
 * returned in plaintext and encrypted under a symmetric encryption key with the
 * encryption context, the public key as SPKI DER.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   InvalidKeyUsageException | DryRunOperationException
 */
export const generateDataKeyPair: OperationHandler<'GenerateDataKeyPair'> = async (ctx, input) => {
  rejectRecipient(input.Recipient);
  const spec = input.KeyPairSpec!;
  assertPairSpecAvailable(spec, ctx.region);
  const { entry, wrap } = wrappingKey(ctx, input.KeyId!, 0, input.EncryptionContext, input.DryRun);
  const pair = await newDataKeyPair(spec);
  const out = await wrap(pair.privateKey);
  return {
    PrivateKeyCiphertextBlob: out.blob,
    PrivateKeyPlaintext: pair.privateKey,
    PublicKey: pair.publicKey,
    KeyId: entry.doc.arn,
    KeyPairSpec: spec,
    KeyMaterialId: out.materialId,
  };
};
