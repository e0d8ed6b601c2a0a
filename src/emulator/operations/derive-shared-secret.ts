import { awsError } from '../../errors/index.js';
import { ecdhSharedSecret, PeerKeyError } from '../crypto/mac-and-agreement.js';
import { Sm2Error, sm2SharedSecret } from '../crypto/sm2.js';
import type { OperationHandler } from './context.js';
import { assertAlgorithm, currentMaterialOf, endDryRun, rejectRecipient, usableKey } from './crypto-key.js';

/**
 * DeriveSharedSecret: ECDH between a KEY_AGREEMENT key's private key and the peer's
 * public key (DER SPKI on the same curve, SM2 included); returns the raw shared secret.
 *
 * @throws ValidationException | InvalidKeyUsageException | NotFoundException | DisabledException |
 *   KMSInvalidStateException | UnsupportedOperationException | DryRunOperationException
 */
export const deriveSharedSecret: OperationHandler<'DeriveSharedSecret'> = async (ctx, input) => {
  rejectRecipient(input.Recipient);
  const entry = usableKey(ctx, input.KeyId!, 'KEY_AGREEMENT');
  assertAlgorithm(entry.doc, 'KeyAgreementAlgorithms', input.KeyAgreementAlgorithm!);
  const material = currentMaterialOf(entry).bytes;
  endDryRun(input.DryRun);
  try {
    const secret =
      entry.doc.keySpec === 'SM2'
        ? sm2SharedSecret(material, input.PublicKey!)
        : ecdhSharedSecret(material, input.PublicKey!);
    return { KeyId: entry.doc.arn, SharedSecret: secret, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: entry.doc.origin };
  } catch (err) {
    if (err instanceof PeerKeyError || err instanceof Sm2Error)
      throw awsError('ValidationException', `PublicKey: ${err.message}.`);
    throw err;
  }
};
