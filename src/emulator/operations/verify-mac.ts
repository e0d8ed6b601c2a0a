import { awsError } from '../../errors/index.js';
import { macMatches, type MacAlgorithm } from '../crypto/mac-and-agreement.js';
import type { OperationHandler } from './context.js';
import { assertAlgorithm, currentMaterialOf, endDryRun, usableKey } from './crypto-key.js';

/**
 * VerifyMac: MacValid true, or KMSInvalidMacException when the MAC does not match.
 *
 * @throws KMSInvalidMacException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   InvalidKeyUsageException | DryRunOperationException
 */
export const verifyMac: OperationHandler<'VerifyMac'> = async (ctx, input) => {
  const entry = usableKey(ctx, input.KeyId!, 'GENERATE_VERIFY_MAC');
  assertAlgorithm(entry.doc, 'MacAlgorithms', input.MacAlgorithm!);
  const key = currentMaterialOf(entry).bytes;
  endDryRun(input.DryRun);
  if (!macMatches(input.MacAlgorithm as MacAlgorithm, key, input.Message!, input.Mac!)) {
    throw awsError('KMSInvalidMacException', 'The request was rejected because the HMAC verification failed.');
  }
  return { KeyId: entry.doc.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
};
