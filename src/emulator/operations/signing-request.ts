import type { MessageType, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { SIGNING_ALGORITHMS, type SignInput, type SignMessageType } from '../crypto/signing.js';
import type { OperationContext } from './context.js';
import { assertAlgorithm, currentMaterialOf, endDryRun, usableKey } from './crypto-key.js';

/** What Sign and Verify share: the request checks, in AWS's order, ending in a ready {@link SignInput}. */
export interface SigningRequest {
  KeyId?: string;
  Message?: Uint8Array;
  MessageType?: MessageType;
  SigningAlgorithm?: SigningAlgorithmSpec;
  DryRun?: boolean;
}

/**
 * Checks a Sign or Verify request: a SIGN_VERIFY key in a usable state that offers the
 * algorithm; a MessageType the algorithm accepts (ED25519_SHA_512 RAW only,
 * ED25519_PH_SHA_512 DIGEST only, EXTERNAL_MU only for ML-DSA); for DIGEST and
 * EXTERNAL_MU a Message exactly as long as the digest (64 bytes for μ).
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException |
 *   ValidationException | UnsupportedOperationException | DryRunOperationException
 */
export function signingRequest(ctx: OperationContext, input: SigningRequest): { arn: string; sign: SignInput } {
  const entry = usableKey(ctx, input.KeyId!, 'SIGN_VERIFY');
  const algorithm = input.SigningAlgorithm!;
  assertAlgorithm(entry.doc, 'SigningAlgorithms', algorithm);
  const info = SIGNING_ALGORITHMS[algorithm];
  if (!info)
    throw awsError('UnsupportedOperationException', `${algorithm} is not implemented by the opencckm emulator.`);
  const messageType = (input.MessageType ?? 'RAW') as SignMessageType;
  if (!info.messageTypes.includes(messageType)) {
    throw awsError(
      'ValidationException',
      `MessageType ${messageType} is not valid with SigningAlgorithm ${algorithm}; valid values: ${info.messageTypes.join(', ')}.`,
    );
  }
  const message = input.Message!;
  if (messageType !== 'RAW' && message.length !== info.digestBytes) {
    throw awsError(
      'ValidationException',
      `Digest is invalid length for algorithm ${algorithm}: it must be ${info.digestBytes} bytes.`,
    );
  }
  const material = currentMaterialOf(entry).bytes;
  endDryRun(input.DryRun);
  return { arn: entry.doc.arn, sign: { keySpec: entry.doc.keySpec, material, algorithm, messageType, message } };
}
