import type { KmsOperationName } from '../../providers/kms-provider.js';
import { cancelKeyDeletion } from './cancel-key-deletion.js';
import { connectCustomKeyStore } from './connect-custom-key-store.js';
import { createCustomKeyStore } from './create-custom-key-store.js';
import { deleteCustomKeyStore } from './delete-custom-key-store.js';
import { describeCustomKeyStores } from './describe-custom-key-stores.js';
import { disconnectCustomKeyStore } from './disconnect-custom-key-store.js';
import { updateCustomKeyStore } from './update-custom-key-store.js';
import type { OperationHandler } from './context.js';
import { createAlias } from './create-alias.js';
import { createGrant } from './create-grant.js';
import { createKey } from './create-key.js';
import { decrypt } from './decrypt.js';
import { deleteAlias } from './delete-alias.js';
import { deleteImportedKeyMaterial } from './delete-imported-key-material.js';
import { deriveSharedSecret } from './derive-shared-secret.js';
import { describeKey } from './describe-key.js';
import { disableKeyRotation } from './disable-key-rotation.js';
import { disableKey } from './disable-key.js';
import { enableKeyRotation } from './enable-key-rotation.js';
import { enableKey } from './enable-key.js';
import { encrypt } from './encrypt.js';
import { generateDataKeyPairWithoutPlaintext } from './generate-data-key-pair-without-plaintext.js';
import { generateDataKeyPair } from './generate-data-key-pair.js';
import { generateDataKeyWithoutPlaintext } from './generate-data-key-without-plaintext.js';
import { generateDataKey } from './generate-data-key.js';
import { generateMac } from './generate-mac.js';
import { generateRandom } from './generate-random.js';
import { getKeyLastUsage } from './get-key-last-usage.js';
import { getKeyPolicy } from './get-key-policy.js';
import { getKeyRotationStatus } from './get-key-rotation-status.js';
import { getParametersForImport } from './get-parameters-for-import.js';
import { getPublicKey } from './get-public-key.js';
import { importKeyMaterial } from './import-key-material.js';
import { listAliases } from './list-aliases.js';
import { listKeyPolicies } from './list-key-policies.js';
import { listKeyRotations } from './list-key-rotations.js';
import { listGrants } from './list-grants.js';
import { listKeys } from './list-keys.js';
import { listResourceTags } from './list-resource-tags.js';
import { listRetirableGrants } from './list-retirable-grants.js';
import { putKeyPolicy } from './put-key-policy.js';
import { reEncrypt } from './re-encrypt.js';
import { replicateKey } from './replicate-key.js';
import { retireGrant } from './retire-grant.js';
import { revokeGrant } from './revoke-grant.js';
import { rotateKeyOnDemand } from './rotate-key-on-demand.js';
import { scheduleKeyDeletion } from './schedule-key-deletion.js';
import { sign } from './sign.js';
import { tagResource } from './tag-resource.js';
import { untagResource } from './untag-resource.js';
import { updateAlias } from './update-alias.js';
import { updateKeyDescription } from './update-key-description.js';
import { updatePrimaryRegion } from './update-primary-region.js';
import { verifyMac } from './verify-mac.js';
import { verify } from './verify.js';

/**
 * The implemented KMS operations. An operation missing here answers
 * UnsupportedOperationException ("<Op> is not implemented by the opencckm emulator yet").
 */
export const OPERATIONS: { readonly [Op in KmsOperationName]?: OperationHandler<Op> } = {
  CancelKeyDeletion: cancelKeyDeletion,
  ConnectCustomKeyStore: connectCustomKeyStore,
  CreateCustomKeyStore: createCustomKeyStore,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  UpdateCustomKeyStore: updateCustomKeyStore,
  CreateAlias: createAlias,
  CreateGrant: createGrant,
  CreateKey: createKey,
  Decrypt: decrypt,
  DeleteAlias: deleteAlias,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  DeriveSharedSecret: deriveSharedSecret,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  DisableKeyRotation: disableKeyRotation,
  EnableKey: enableKey,
  EnableKeyRotation: enableKeyRotation,
  Encrypt: encrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateMac: generateMac,
  GenerateRandom: generateRandom,
  GetKeyLastUsage: getKeyLastUsage,
  GetKeyPolicy: getKeyPolicy,
  GetKeyRotationStatus: getKeyRotationStatus,
  GetParametersForImport: getParametersForImport,
  GetPublicKey: getPublicKey,
  ImportKeyMaterial: importKeyMaterial,
  ListAliases: listAliases,
  ListGrants: listGrants,
  ListKeyPolicies: listKeyPolicies,
  ListKeyRotations: listKeyRotations,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  ListRetirableGrants: listRetirableGrants,
  PutKeyPolicy: putKeyPolicy,
  ReEncrypt: reEncrypt,
  ReplicateKey: replicateKey,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  Sign: sign,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
  UpdatePrimaryRegion: updatePrimaryRegion,
  Verify: verify,
  VerifyMac: verifyMac,
};
