import type { KeyState } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import type { KmsOperationName } from '../../providers/kms-provider.js';
import type { KeyDoc } from './key-record.js';

type Family = 'crypto' | 'manage' | 'always' | 'enableDisable' | 'cancelDeletion' | 'rotation' | 'import' | 'replicate';

/**
 * Which key states each operation accepts, after AWS's "Key states of AWS KMS keys"
 * table (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html):
 * - crypto: only Enabled; Disabled → DisabledException, otherwise KMSInvalidStateException.
 * - manage: everything except PendingDeletion/PendingReplicaDeletion (tags, aliases, description,
 *   ScheduleKeyDeletion).
 * - always: read-only and policy operations succeed in every state.
 * - enableDisable: not while PendingDeletion or PendingImport.
 * - rotation: Enabled only; Disabled → DisabledException.
 * - cancelDeletion: only PendingDeletion.
 * - import: GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial (Enabled, Disabled, PendingImport).
 * - replicate: ReplicateKey and UpdatePrimaryRegion (Enabled, Disabled; PendingImport for ReplicateKey).
 */
const ALLOWED: Readonly<Record<Family, readonly KeyState[]>> = {
  crypto: ['Enabled'],
  manage: ['Enabled', 'Disabled', 'PendingImport', 'Unavailable', 'Creating', 'Updating'],
  always: [
    'Enabled',
    'Disabled',
    'PendingImport',
    'PendingDeletion',
    'PendingReplicaDeletion',
    'Unavailable',
    'Creating',
    'Updating',
  ],
  enableDisable: ['Enabled', 'Disabled', 'Unavailable'],
  rotation: ['Enabled'],
  cancelDeletion: ['PendingDeletion', 'PendingReplicaDeletion'],
  import: ['Enabled', 'Disabled', 'PendingImport'],
  replicate: ['Enabled', 'Disabled', 'PendingImport'],
};

const FAMILY_BY_OP: Partial<Record<KmsOperationName, Family>> = {
  Encrypt: 'crypto',
  Decrypt: 'crypto',
  ReEncrypt: 'crypto',
  GenerateDataKey: 'crypto',
  GenerateDataKeyWithoutPlaintext: 'crypto',
  GenerateDataKeyPair: 'crypto',
  GenerateDataKeyPairWithoutPlaintext: 'crypto',
  Sign: 'crypto',
  Verify: 'crypto',
  GenerateMac: 'crypto',
  VerifyMac: 'crypto',
  GetPublicKey: 'crypto',
  DeriveSharedSecret: 'crypto',
  CreateGrant: 'crypto',
  RotateKeyOnDemand: 'rotation',
  EnableKeyRotation: 'rotation',
  DisableKeyRotation: 'rotation',
  EnableKey: 'enableDisable',
  DisableKey: 'enableDisable',
  CancelKeyDeletion: 'cancelDeletion',
  CreateAlias: 'manage',
  UpdateAlias: 'manage',
  TagResource: 'manage',
  UntagResource: 'manage',
  UpdateKeyDescription: 'manage',
  ScheduleKeyDeletion: 'manage',
  GetParametersForImport: 'import',
  ImportKeyMaterial: 'import',
  DeleteImportedKeyMaterial: 'import',
  ReplicateKey: 'replicate',
  UpdatePrimaryRegion: 'enableDisable',
};

/** The AWS error for a key in `state` that `op` does not accept. */
function stateError(doc: KeyDoc, op: KmsOperationName, family: Family): Error {
  if (family === 'cancelDeletion') return awsError('KMSInvalidStateException', `${doc.arn} is not pending deletion.`);
  switch (doc.keyState) {
    case 'Disabled':
      return awsError('DisabledException', `${doc.arn} is disabled.`);
    case 'PendingDeletion':
    case 'PendingReplicaDeletion':
      return awsError('KMSInvalidStateException', `${doc.arn} is pending deletion.`);
    case 'PendingImport':
      return awsError('KMSInvalidStateException', `${doc.arn} is pending import.`);
    default:
      return awsError('KMSInvalidStateException', `${doc.arn} is ${doc.keyState} and cannot be used for ${op}.`);
  }
}

/**
 * The one key-state guard of the emulator: throws AWS's exception when `op` may not run
 * on a key in its current state. Operations not in the table accept every state.
 *
 * @throws DisabledException | KMSInvalidStateException
 */
export function assertKeyUsable(doc: KeyDoc, op: KmsOperationName): void {
  const family = FAMILY_BY_OP[op] ?? 'always';
  if (!ALLOWED[family].includes(doc.keyState)) throw stateError(doc, op, family);
}
