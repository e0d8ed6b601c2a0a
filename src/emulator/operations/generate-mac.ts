import { computeMac, type MacAlgorithm } from '../crypto/mac-and-agreement.js';
import type { OperationHandler } from './context.js';
import { assertAlgorithm, currentMaterialOf, endDryRun, usableKey } from './crypto-key.js';

/**
 * GenerateMac: HMAC of Message with a GENERATE_VERIFY_MAC key whose spec matches MacAlgorithm.
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException | DryRunOperationException
 */
export const generateMac: OperationHandler<'GenerateMac'> = async (ctx, input) => {
  const entry = usableKey(ctx, input.KeyId!, 'GENERATE_VERIFY_MAC');
  assertAlgorithm(entry.doc, 'MacAlgorithms', input.MacAlgorithm!);
  const key = currentMaterialOf(entry).bytes;
  endDryRun(input.DryRun);
  return {
    Mac: computeMac(input.MacAlgorithm as MacAlgorithm, key, input.Message!),
    MacAlgorithm: input.MacAlgorithm,
    KeyId: entry.doc.arn,
  };
};
