import { awsError } from '../../errors/index.js';
import { verifySignature } from '../crypto/signing.js';
import type { OperationHandler } from './context.js';
import { signingRequest } from './signing-request.js';

/**
 * Verify: SignatureValid true, or KMSInvalidSignatureException when the signature does
 * not verify (AWS never answers false).
 *
 * @throws KMSInvalidSignatureException | see {@link signingRequest}
 */
export const verify: OperationHandler<'Verify'> = async (ctx, input) => {
  const req = signingRequest(ctx, input);
  if (!verifySignature(req.sign, input.Signature!)) {
    throw awsError(
      'KMSInvalidSignatureException',
      'The request was rejected because the signature verification failed.',
    );
  }
  return { KeyId: req.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
};
