import { assertPairSpecAvailable, newDataKeyPair, wrappingKey } from './data-key-support.js';
import type { OperationHandler } from './context.js';

/**
 * GenerateDataKeyPairWithoutPlaintext: GenerateDataKeyPair without the plaintext private key.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   InvalidKeyUsageException | DryRunOperationException
 */
export const generateDataKeyPairWithoutPlaintext: OperationHandler<'GenerateDataKeyPairWithoutPlaintext'> = async (
  ctx,
  input,
) => {
  const spec = input.KeyPairSpec!;
  assertPairSpecAvailable(spec, ctx.region);
  const { entry, wrap } = wrappingKey(ctx, input.KeyId!, 0, input.EncryptionContext, input.DryRun);
  const pair = await newDataKeyPair(spec);
  try {
    const out = await wrap(pair.privateKey);
    return {
      PrivateKeyCiphertextBlob: out.blob,
      PublicKey: pair.publicKey,
      KeyId: entry.doc.arn,
      KeyPairSpec: spec,
      KeyMaterialId: out.materialId,
    };
  } finally {
    pair.privateKey.fill(0);
  }
};
