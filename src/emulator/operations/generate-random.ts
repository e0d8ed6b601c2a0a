import { randomBytes } from 'node:crypto';
import { awsError } from '../../errors/index.js';
import type { OperationHandler } from './context.js';
import { rejectRecipient } from './crypto-key.js';

/**
 * GenerateRandom: NumberOfBytes (1–1024, from the model) random bytes. Custom key stores
 * do not exist in this emulator yet, so any CustomKeyStoreId is unknown.
 *
 * @throws ValidationException | CustomKeyStoreNotFoundException | UnsupportedOperationException
 */
export const generateRandom: OperationHandler<'GenerateRandom'> = async (_ctx, input) => {
  rejectRecipient(input.Recipient);
  if (input.CustomKeyStoreId !== undefined) {
    throw awsError('CustomKeyStoreNotFoundException', 'The specified custom key store does not exist.');
  }
  if (input.NumberOfBytes === undefined) throw awsError('ValidationException', 'NumberOfBytes is required.');
  return { Plaintext: new Uint8Array(randomBytes(input.NumberOfBytes)) };
};
