import type { KeyUsageType } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { algorithmsOf, type UsageAlgorithms } from '../model/key-specs.js';
import { assertKeyUsable } from '../model/key-state.js';
import { currentMaterial, type KeyDoc, type KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';

/**
 * Shared guards of the cryptographic operations, in the order AWS applies them: find the
 * key (id, ARN, alias; another account's key by ARN where its policy allows), check its
 * state, then its KeyUsage, then the algorithm against its KeySpec.
 */

/**
 * A key the cryptographic operation `ctx.op` may use with `usage`. Operations that take an
 * encryption context pass it (for conditions and grant constraints); ReEncrypt's
 * destination key is authorized as `ReEncryptTo`.
 *
 * @throws NotFoundException | AccessDeniedException | DisabledException | KMSInvalidStateException | InvalidKeyUsageException
 */
export function usableKey(
  ctx: OperationContext,
  keyId: string,
  usage: KeyUsageType,
  encryptionContext?: Readonly<Record<string, string>>,
  operation?: 'ReEncryptTo',
): KeyEntry {
  const entry = ctx.findKey(keyId, {
    allowAlias: true,
    crossAccount: true,
    encryptionContext,
    ...(operation ? { operation } : {}),
  });
  assertUsableFor(ctx, entry.doc, usage);
  return entry;
}

/** The state and KeyUsage checks of {@link usableKey}, for a key found another way (a ciphertext blob). */
export function assertUsableFor(ctx: OperationContext, doc: KeyDoc, usage: KeyUsageType): void {
  assertKeyUsable(doc, ctx.op);
  if (doc.keyUsage !== usage) {
    throw awsError(
      'InvalidKeyUsageException',
      `${doc.arn} key usage is ${doc.keyUsage} which is not valid for ${ctx.op}.`,
    );
  }
}

/**
 * Checks that the key's spec offers `algorithm` (DescribeKey's list for its usage).
 *
 * @throws InvalidKeyUsageException
 */
export function assertAlgorithm(doc: KeyDoc, list: keyof UsageAlgorithms, algorithm: string): void {
  const offered = (algorithmsOf(doc.keySpec, doc.keyUsage)?.[list] ?? []) as string[];
  if (!offered.includes(algorithm)) {
    throw awsError('InvalidKeyUsageException', `Algorithm ${algorithm} is incompatible with key spec ${doc.keySpec}.`);
  }
}

/**
 * The current material version of a key and its bytes.
 *
 * @throws KMSInvalidStateException when the key has no usable material
 */
export function currentMaterialOf(entry: KeyEntry): { id: string; bytes: Uint8Array } {
  const version = currentMaterial(entry.doc);
  const bytes = version && entry.material.get(version.id);
  if (!version || !bytes) throw awsError('KMSInvalidStateException', `${entry.doc.arn} has no key material.`);
  return { id: version.id, bytes };
}

/**
 * Ends a DryRun request that passed every check, as AWS does.
 *
 * @throws DryRunOperationException when `dryRun` is true
 */
export function endDryRun(dryRun: boolean | undefined): void {
  if (dryRun)
    throw awsError('DryRunOperationException', 'The request would have succeeded, but the DryRun flag is set.');
}

/**
 * Recipient (attested Nitro Enclaves requests) is not emulated.
 *
 * @throws UnsupportedOperationException when a Recipient is given
 */
export function rejectRecipient(recipient: unknown): void {
  if (recipient !== undefined) {
    throw awsError(
      'UnsupportedOperationException',
      'Recipient (AWS Nitro Enclaves attestation) is not supported by the opencckm emulator.',
    );
  }
}

/** AWS's message for every ciphertext it cannot authenticate (from the model's exception doc). */
export const invalidCiphertext = () =>
  awsError(
    'InvalidCiphertextException',
    'The request was rejected because the specified ciphertext, or additional authenticated data incorporated into the ciphertext, such as the encryption context, is corrupted, missing, or otherwise invalid.',
  );
