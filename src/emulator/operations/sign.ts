import { signMessageAsync } from '../crypto/signing.js';
import type { OperationHandler } from './context.js';
import { signingRequest } from './signing-request.js';

/**
 * Sign: a signature that standard libraries verify with the key from GetPublicKey
 * (RSA PSS/PKCS#1 v1.5, ECDSA in DER, Ed25519, Ed25519ph, ML-DSA); RAW messages up to
 * 4096 bytes (model limit) or a DIGEST / EXTERNAL_MU of the algorithm's length.
 *
 * @throws see {@link signingRequest}
 */
export const sign: OperationHandler<'Sign'> = async (ctx, input) => {
  const req = signingRequest(ctx, input);
  return { KeyId: req.arn, Signature: await signMessageAsync(req.sign), SigningAlgorithm: input.SigningAlgorithm };
};
