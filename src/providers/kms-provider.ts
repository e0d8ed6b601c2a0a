import type * as Kms from '@aws-sdk/client-kms';
import type * as Hsm from '@aws-sdk/client-cloudhsm-v2';

/**
 * The KMS operations opencckm can call, by AWS operation name, each typed with the
 * AWS SDK's own command input and output (without the SDK's `$metadata`). Both
 * providers implement every one of them: the emulator in-process, the aws provider
 * through `@aws-sdk/client-kms`.
 */
export interface KmsOperations {
  CancelKeyDeletion: {
    input: Kms.CancelKeyDeletionCommandInput;
    output: Omit<Kms.CancelKeyDeletionCommandOutput, '$metadata'>;
  };
  ConnectCustomKeyStore: {
    input: Kms.ConnectCustomKeyStoreCommandInput;
    output: Omit<Kms.ConnectCustomKeyStoreCommandOutput, '$metadata'>;
  };
  CreateAlias: { input: Kms.CreateAliasCommandInput; output: Omit<Kms.CreateAliasCommandOutput, '$metadata'> };
  CreateCustomKeyStore: {
    input: Kms.CreateCustomKeyStoreCommandInput;
    output: Omit<Kms.CreateCustomKeyStoreCommandOutput, '$metadata'>;
  };
  CreateGrant: { input: Kms.CreateGrantCommandInput; output: Omit<Kms.CreateGrantCommandOutput, '$metadata'> };
  CreateKey: { input: Kms.CreateKeyCommandInput; output: Omit<Kms.CreateKeyCommandOutput, '$metadata'> };
  Decrypt: { input: Kms.DecryptCommandInput; output: Omit<Kms.DecryptCommandOutput, '$metadata'> };
  DeleteAlias: { input: Kms.DeleteAliasCommandInput; output: Omit<Kms.DeleteAliasCommandOutput, '$metadata'> };
  DeleteCustomKeyStore: {
    input: Kms.DeleteCustomKeyStoreCommandInput;
    output: Omit<Kms.DeleteCustomKeyStoreCommandOutput, '$metadata'>;
  };
  DeleteImportedKeyMaterial: {
    input: Kms.DeleteImportedKeyMaterialCommandInput;
    output: Omit<Kms.DeleteImportedKeyMaterialCommandOutput, '$metadata'>;
  };
  DeriveSharedSecret: {
    input: Kms.DeriveSharedSecretCommandInput;
    output: Omit<Kms.DeriveSharedSecretCommandOutput, '$metadata'>;
  };
  DescribeCustomKeyStores: {
    input: Kms.DescribeCustomKeyStoresCommandInput;
    output: Omit<Kms.DescribeCustomKeyStoresCommandOutput, '$metadata'>;
  };
  DescribeKey: { input: Kms.DescribeKeyCommandInput; output: Omit<Kms.DescribeKeyCommandOutput, '$metadata'> };
  DisableKey: { input: Kms.DisableKeyCommandInput; output: Omit<Kms.DisableKeyCommandOutput, '$metadata'> };
  DisableKeyRotation: {
    input: Kms.DisableKeyRotationCommandInput;
    output: Omit<Kms.DisableKeyRotationCommandOutput, '$metadata'>;
  };
  DisconnectCustomKeyStore: {
    input: Kms.DisconnectCustomKeyStoreCommandInput;
    output: Omit<Kms.DisconnectCustomKeyStoreCommandOutput, '$metadata'>;
  };
  EnableKey: { input: Kms.EnableKeyCommandInput; output: Omit<Kms.EnableKeyCommandOutput, '$metadata'> };
  EnableKeyRotation: {
    input: Kms.EnableKeyRotationCommandInput;
    output: Omit<Kms.EnableKeyRotationCommandOutput, '$metadata'>;
  };
  Encrypt: { input: Kms.EncryptCommandInput; output: Omit<Kms.EncryptCommandOutput, '$metadata'> };
  GenerateDataKey: {
    input: Kms.GenerateDataKeyCommandInput;
    output: Omit<Kms.GenerateDataKeyCommandOutput, '$metadata'>;
  };
  GenerateDataKeyPair: {
    input: Kms.GenerateDataKeyPairCommandInput;
    output: Omit<Kms.GenerateDataKeyPairCommandOutput, '$metadata'>;
  };
  GenerateDataKeyPairWithoutPlaintext: {
    input: Kms.GenerateDataKeyPairWithoutPlaintextCommandInput;
    output: Omit<Kms.GenerateDataKeyPairWithoutPlaintextCommandOutput, '$metadata'>;
  };
  GenerateDataKeyWithoutPlaintext: {
    input: Kms.GenerateDataKeyWithoutPlaintextCommandInput;
    output: Omit<Kms.GenerateDataKeyWithoutPlaintextCommandOutput, '$metadata'>;
  };
  GenerateMac: { input: Kms.GenerateMacCommandInput; output: Omit<Kms.GenerateMacCommandOutput, '$metadata'> };
  GenerateRandom: { input: Kms.GenerateRandomCommandInput; output: Omit<Kms.GenerateRandomCommandOutput, '$metadata'> };
  GetKeyLastUsage: {
    input: Kms.GetKeyLastUsageCommandInput;
    output: Omit<Kms.GetKeyLastUsageCommandOutput, '$metadata'>;
  };
  GetKeyPolicy: { input: Kms.GetKeyPolicyCommandInput; output: Omit<Kms.GetKeyPolicyCommandOutput, '$metadata'> };
  GetKeyRotationStatus: {
    input: Kms.GetKeyRotationStatusCommandInput;
    output: Omit<Kms.GetKeyRotationStatusCommandOutput, '$metadata'>;
  };
  GetParametersForImport: {
    input: Kms.GetParametersForImportCommandInput;
    output: Omit<Kms.GetParametersForImportCommandOutput, '$metadata'>;
  };
  GetPublicKey: { input: Kms.GetPublicKeyCommandInput; output: Omit<Kms.GetPublicKeyCommandOutput, '$metadata'> };
  ImportKeyMaterial: {
    input: Kms.ImportKeyMaterialCommandInput;
    output: Omit<Kms.ImportKeyMaterialCommandOutput, '$metadata'>;
  };
  ListAliases: { input: Kms.ListAliasesCommandInput; output: Omit<Kms.ListAliasesCommandOutput, '$metadata'> };
  ListGrants: { input: Kms.ListGrantsCommandInput; output: Omit<Kms.ListGrantsCommandOutput, '$metadata'> };
  ListKeyPolicies: {
    input: Kms.ListKeyPoliciesCommandInput;
    output: Omit<Kms.ListKeyPoliciesCommandOutput, '$metadata'>;
  };
  ListKeyRotations: {
    input: Kms.ListKeyRotationsCommandInput;
    output: Omit<Kms.ListKeyRotationsCommandOutput, '$metadata'>;
  };
  ListKeys: { input: Kms.ListKeysCommandInput; output: Omit<Kms.ListKeysCommandOutput, '$metadata'> };
  ListResourceTags: {
    input: Kms.ListResourceTagsCommandInput;
    output: Omit<Kms.ListResourceTagsCommandOutput, '$metadata'>;
  };
  ListRetirableGrants: {
    input: Kms.ListRetirableGrantsCommandInput;
    output: Omit<Kms.ListRetirableGrantsCommandOutput, '$metadata'>;
  };
  PutKeyPolicy: { input: Kms.PutKeyPolicyCommandInput; output: Omit<Kms.PutKeyPolicyCommandOutput, '$metadata'> };
  ReEncrypt: { input: Kms.ReEncryptCommandInput; output: Omit<Kms.ReEncryptCommandOutput, '$metadata'> };
  ReplicateKey: { input: Kms.ReplicateKeyCommandInput; output: Omit<Kms.ReplicateKeyCommandOutput, '$metadata'> };
  RetireGrant: { input: Kms.RetireGrantCommandInput; output: Omit<Kms.RetireGrantCommandOutput, '$metadata'> };
  RevokeGrant: { input: Kms.RevokeGrantCommandInput; output: Omit<Kms.RevokeGrantCommandOutput, '$metadata'> };
  RotateKeyOnDemand: {
    input: Kms.RotateKeyOnDemandCommandInput;
    output: Omit<Kms.RotateKeyOnDemandCommandOutput, '$metadata'>;
  };
  ScheduleKeyDeletion: {
    input: Kms.ScheduleKeyDeletionCommandInput;
    output: Omit<Kms.ScheduleKeyDeletionCommandOutput, '$metadata'>;
  };
  Sign: { input: Kms.SignCommandInput; output: Omit<Kms.SignCommandOutput, '$metadata'> };
  TagResource: { input: Kms.TagResourceCommandInput; output: Omit<Kms.TagResourceCommandOutput, '$metadata'> };
  UntagResource: { input: Kms.UntagResourceCommandInput; output: Omit<Kms.UntagResourceCommandOutput, '$metadata'> };
  UpdateAlias: { input: Kms.UpdateAliasCommandInput; output: Omit<Kms.UpdateAliasCommandOutput, '$metadata'> };
  UpdateCustomKeyStore: {
    input: Kms.UpdateCustomKeyStoreCommandInput;
    output: Omit<Kms.UpdateCustomKeyStoreCommandOutput, '$metadata'>;
  };
  UpdateKeyDescription: {
    input: Kms.UpdateKeyDescriptionCommandInput;
    output: Omit<Kms.UpdateKeyDescriptionCommandOutput, '$metadata'>;
  };
  UpdatePrimaryRegion: {
    input: Kms.UpdatePrimaryRegionCommandInput;
    output: Omit<Kms.UpdatePrimaryRegionCommandOutput, '$metadata'>;
  };
  Verify: { input: Kms.VerifyCommandInput; output: Omit<Kms.VerifyCommandOutput, '$metadata'> };
  VerifyMac: { input: Kms.VerifyMacCommandInput; output: Omit<Kms.VerifyMacCommandOutput, '$metadata'> };
}

export type KmsOperationName = keyof KmsOperations;

/** Every KMS operation name, in the AWS model's order. */
export const KMS_OPERATIONS = [
  'CancelKeyDeletion',
  'ConnectCustomKeyStore',
  'CreateAlias',
  'CreateCustomKeyStore',
  'CreateGrant',
  'CreateKey',
  'Decrypt',
  'DeleteAlias',
  'DeleteCustomKeyStore',
  'DeleteImportedKeyMaterial',
  'DeriveSharedSecret',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'DisableKey',
  'DisableKeyRotation',
  'DisconnectCustomKeyStore',
  'EnableKey',
  'EnableKeyRotation',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyLastUsage',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'GetParametersForImport',
  'GetPublicKey',
  'ImportKeyMaterial',
  'ListAliases',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ListRetirableGrants',
  'PutKeyPolicy',
  'ReEncrypt',
  'ReplicateKey',
  'RetireGrant',
  'RevokeGrant',
  'RotateKeyOnDemand',
  'ScheduleKeyDeletion',
  'Sign',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'UpdateCustomKeyStore',
  'UpdateKeyDescription',
  'UpdatePrimaryRegion',
  'Verify',
  'VerifyMac',
] as const satisfies readonly KmsOperationName[];

/**
 * The CloudHSM v2 operations opencckm can call (the ones the emulator simulates), typed
 * with the SDK's command input and output. The service itself uses DescribeClusters to
 * check a cluster before creating a custom key store; the rest serve tests and tools.
 */
export interface CloudHsmOperations {
  CreateCluster: { input: Hsm.CreateClusterCommandInput; output: Omit<Hsm.CreateClusterCommandOutput, '$metadata'> };
  CreateHsm: { input: Hsm.CreateHsmCommandInput; output: Omit<Hsm.CreateHsmCommandOutput, '$metadata'> };
  DeleteCluster: { input: Hsm.DeleteClusterCommandInput; output: Omit<Hsm.DeleteClusterCommandOutput, '$metadata'> };
  DeleteHsm: { input: Hsm.DeleteHsmCommandInput; output: Omit<Hsm.DeleteHsmCommandOutput, '$metadata'> };
  DescribeClusters: {
    input: Hsm.DescribeClustersCommandInput;
    output: Omit<Hsm.DescribeClustersCommandOutput, '$metadata'>;
  };
  InitializeCluster: {
    input: Hsm.InitializeClusterCommandInput;
    output: Omit<Hsm.InitializeClusterCommandOutput, '$metadata'>;
  };
  ListTags: { input: Hsm.ListTagsCommandInput; output: Omit<Hsm.ListTagsCommandOutput, '$metadata'> };
  TagResource: { input: Hsm.TagResourceCommandInput; output: Omit<Hsm.TagResourceCommandOutput, '$metadata'> };
  UntagResource: { input: Hsm.UntagResourceCommandInput; output: Omit<Hsm.UntagResourceCommandOutput, '$metadata'> };
}

export type CloudHsmOperationName = keyof CloudHsmOperations;

/** A hypothetical request to authorize (see {@link KmsProvider.simulateAccess}). */
export interface SimulateAccessRequest {
  /** The principal's ARN. */
  principal: string;
  /** `kms:<Operation>` (ReEncrypt's halves: `kms:ReEncryptFrom`, `kms:ReEncryptTo`). */
  action: string;
  /** The key's id or ARN. */
  keyId: string;
  encryptionContext?: Record<string, string>;
}

/** The decision and what made it. */
export interface SimulatedAccess {
  allowed: boolean;
  /** The statement, grant or identity policy that decided, or `implicit deny`. */
  decidedBy: string;
  explanation: string;
}

/** Who the provider's credentials belong to (STS GetCallerIdentity). */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/**
 * One provider instance talks to one AWS account in one region. Obtain instances from
 * the provider registry; never build them in cckm/.
 *
 * @throws AppError subclasses only, with `awsName` set to the AWS exception name.
 */
export interface KmsProvider {
  readonly kind: 'aws' | 'emulator';
  readonly region: string;

  /** Calls one KMS operation. */
  kms<Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']): Promise<KmsOperations[Op]['output']>;

  /** Calls one CloudHSM v2 operation. */
  cloudHsm<Op extends CloudHsmOperationName>(
    op: Op,
    input: CloudHsmOperations[Op]['input'],
  ): Promise<CloudHsmOperations[Op]['output']>;

  /** The account and principal behind the provider's credentials (STS GetCallerIdentity). */
  getCallerIdentity(): Promise<CallerIdentity>;

  /**
   * Evaluates whether `principal` may perform `action` on the key, and why, the way the
   * provider itself decides (key policy, identity policies, grants, conditions), without
   * acting. Only the emulator offers it; for AWS the caller computes the answer from the
   * key policy alone.
   */
  simulateAccess?(request: SimulateAccessRequest): Promise<SimulatedAccess>;

  /**
   * Releases the provider's clients and sockets once the calls in flight have settled.
   * The registry calls it when it drops a provider; later calls are not supported.
   */
  close?(): Promise<void>;
}
