import { randomBytes } from 'node:crypto';
import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { rejectRecipient } from './crypto-key.js';
import { findStore } from './custom-key-store-rules.js';

/**
 * GenerateRandom: NumberOfBytes (1–1024, from the model) random bytes. With
 * CustomKeyStoreId the bytes come from the store's CloudHSM cluster: the store must exist
 * in the caller's account and Region, be an AWS_CLOUDHSM store (external key stores
 * cannot generate random bytes) and be CONNECTED.
 *
 * @throws ValidationException | CustomKeyStoreNotFoundException | CustomKeyStoreInvalidStateException | UnsupportedOperationException
 */
export const generateRandom: OperationHandler<'GenerateRandom'> = async (ctx, input) => {
  rejectRecipient(input.Recipient);
  if (input.CustomKeyStoreId !== undefined) {
    const { doc } = findStore(ctx, input.CustomKeyStoreId);
    if (doc.type !== 'AWS_CLOUDHSM') {
      throw awsError(
        'UnsupportedOperationException',
        'GenerateRandom does not support external key stores; use an AWS_CLOUDHSM custom key store or none.',
      );
    }
    if (doc.connectionState !== 'CONNECTED') {
      throw awsError(
        'CustomKeyStoreInvalidStateException',
        `Custom key store ${doc.customKeyStoreId} is ${doc.connectionState}, not CONNECTED.`,
      );
    }
  }
  if (input.NumberOfBytes === undefined) throw awsError('ValidationException', 'NumberOfBytes is required.');
  return { Plaintext: new Uint8Array(randomBytes(input.NumberOfBytes)) };
};
