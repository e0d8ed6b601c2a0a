import type { DataKeyPairSpec, DataKeySpec } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { publicKeySpki } from '../crypto/asymmetric-keys.js';
import { pooledRandomBytes } from '../crypto/random-pool.js';
import { generateKeyMaterial, type GeneratableKeySpec } from '../crypto/key-generation.js';
import { isChinaRegion } from '../model/arn.js';
import type { KeyEntry } from '../model/key-record.js';
import { prepareEncrypt, type Encrypted } from './cipher.js';
import type { OperationContext } from './context.js';
import { assertAlgorithm, endDryRun, usableKey } from './crypto-key.js';
import { encryptInStore, isStoreKey } from './custom-key-store-crypto.js';

/** What the data key operations share: the wrapping key, the data key size and pair generation. */

const KEY_SPEC_BYTES: Readonly<Record<DataKeySpec, number>> = { AES_128: 16, AES_256: 32 };

/**
 * The length of a data key: exactly one of KeySpec and NumberOfBytes (1–1024, range from the model).
 *
 * @throws ValidationException
 */
export function dataKeyLength(keySpec: DataKeySpec | undefined, numberOfBytes: number | undefined): number {
  if (keySpec !== undefined && numberOfBytes !== undefined) {
    throw awsError('ValidationException', 'Specify either KeySpec or NumberOfBytes, not both.');
  }
  if (keySpec !== undefined) return KEY_SPEC_BYTES[keySpec];
  if (numberOfBytes !== undefined) return numberOfBytes;
  throw awsError('ValidationException', 'Please specify either number of bytes or key spec.');
}

/**
 * The symmetric encryption key that wraps a data key, with DryRun honoured after every check.
 * A key in a custom key store wraps through its store (asynchronously) when `storeKeys` is
 * set (GenerateDataKey, GenerateDataKeyWithoutPlaintext); AWS refuses such keys for data key
 * pairs, so without it they are UnsupportedOperationException.
 *
 * @throws NotFoundException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException | DryRunOperationException
 */
export function wrappingKey(
  ctx: OperationContext,
  keyId: string,
  plaintextLength: number,
  context: Record<string, string> | undefined,
  dryRun: boolean | undefined,
  opts: { storeKeys?: boolean } = {},
): { entry: KeyEntry; wrap: (plaintext: Uint8Array) => Encrypted | Promise<Encrypted> } {
  const entry = usableKey(ctx, keyId, 'ENCRYPT_DECRYPT', context);
  assertAlgorithm(entry.doc, 'EncryptionAlgorithms', 'SYMMETRIC_DEFAULT');
  if (opts.storeKeys && isStoreKey(entry)) {
    endDryRun(dryRun);
    return { entry, wrap: (pt) => encryptInStore(ctx, entry, pt, context) };
  }
  const wrap = prepareEncrypt(entry, 'SYMMETRIC_DEFAULT', plaintextLength, context);
  endDryRun(dryRun);
  return { entry, wrap };
}

/** Fresh random bytes for a data key (from the CSPRNG through a pool: see crypto/random-pool.ts). */
export const randomDataKey = (length: number): Uint8Array => pooledRandomBytes(length);

/** A generated data key pair: PKCS#8 DER private key and SPKI DER public key. */
export interface DataKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * Checks a KeyPairSpec where AWS offers it (SM2 only in the China Regions).
 *
 * @throws UnsupportedOperationException
 */
export function assertPairSpecAvailable(spec: DataKeyPairSpec, region: string): void {
  if (spec === 'SM2' && !isChinaRegion(region)) {
    throw awsError('UnsupportedOperationException', 'KeyPairSpec SM2 is supported only in the China Regions.');
  }
}

/** Generates a data key pair of any DataKeyPairSpec (off the event loop for RSA). */
export async function newDataKeyPair(spec: DataKeyPairSpec): Promise<DataKeyPair> {
  const privateKey = await generateKeyMaterial(spec as GeneratableKeySpec);
  return { privateKey, publicKey: publicKeySpki(spec, privateKey) };
}
