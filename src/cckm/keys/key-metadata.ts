import type { KeyMetadata, Tag } from '@aws-sdk/client-kms';
import type { KeyRecord } from '../common/records.js';
import { toStorableJson, toStorableText } from '../common/text.js';
import { keyTypeOf, materialOriginOf } from './key-rules.js';

/** What the provider told us about a key besides DescribeKey's metadata. */
export interface KeyFacts {
  metadata: KeyMetadata;
  policy: unknown;
  aliases: string[];
  tags: Tag[];
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  nextRotationDate?: Date;
}

/** AWS timestamps as the original product shows them: RFC 3339, whole seconds, UTC. */
export function awsTime(d: Date | undefined): string | undefined {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The record's `aws_param`: DescribeKey's metadata in the original's spelling (`KeyID`,
 * `Alias[]`, `Tags[]`, `Policy` as an object), plus `KeyId` for newer clients.
 */
function toAwsParam(f: KeyFacts): Record<string, unknown> {
  const m = f.metadata;
  return compact({
    AWSAccountId: m.AWSAccountId,
    Arn: m.Arn,
    KeyID: m.KeyId,
    KeyId: m.KeyId,
    CreationDate: awsTime(m.CreationDate),
    // AWS allows U+0000 and unpaired surrogates in a description; PostgreSQL cannot store them (common/text.ts).
    Description: m.Description === undefined ? undefined : toStorableText(m.Description),
    Enabled: m.Enabled,
    KeyManager: m.KeyManager,
    KeyState: m.KeyState,
    KeyUsage: m.KeyUsage,
    Origin: m.Origin,
    CustomerMasterKeySpec: m.CustomerMasterKeySpec ?? m.KeySpec,
    KeySpec: m.KeySpec,
    EncryptionAlgorithms: m.EncryptionAlgorithms,
    SigningAlgorithms: m.SigningAlgorithms,
    MacAlgorithms: m.MacAlgorithms,
    KeyAgreementAlgorithms: m.KeyAgreementAlgorithms,
    // A policy is JSON text; its escapes (`\u0000`) may parse to what PostgreSQL cannot store.
    Policy: toStorableJson(f.policy),
    Alias: f.aliases,
    Tags: f.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' })),
    KeyRotationEnabled: f.rotationEnabled,
    RotationPeriodInDays: f.rotationPeriodInDays,
    NextRotationDate: awsTime(f.nextRotationDate),
    MultiRegion: m.MultiRegion ?? false,
    MultiRegionConfiguration: m.MultiRegionConfiguration
      ? compact({
          MultiRegionKeyType: m.MultiRegionConfiguration.MultiRegionKeyType,
          PrimaryKey: m.MultiRegionConfiguration.PrimaryKey,
          ReplicaKeys: m.MultiRegionConfiguration.ReplicaKeys ?? [],
        })
      : undefined,
    DeletionDate: awsTime(m.DeletionDate),
    PendingDeletionWindowInDays: m.PendingDeletionWindowInDays,
    ValidTo: awsTime(m.ValidTo),
    ExpirationModel: m.ExpirationModel,
    CustomKeyStoreId: m.CustomKeyStoreId,
    CloudHsmClusterId: m.CloudHsmClusterId,
    XksKeyConfiguration: m.XksKeyConfiguration ? { Id: m.XksKeyConfiguration.Id } : undefined,
    CurrentKeyMaterialId: m.CurrentKeyMaterialId,
  });
}

/** The record columns derived from provider facts (copies of aws_param used for filters). */
export function recordColumns(f: KeyFacts): Partial<KeyRecord> & { awsParam: Record<string, unknown> } {
  const m = f.metadata;
  const spec = m.KeySpec ?? m.CustomerMasterKeySpec;
  return {
    kmsKeyId: m.KeyId ?? null,
    arn: m.Arn ?? null,
    keyType: keyTypeOf(spec),
    keyMaterialOrigin: materialOriginOf(m.Origin),
    keyState: m.KeyState ?? null,
    keyUsage: m.KeyUsage ?? null,
    keySpec: spec ?? null,
    origin: m.Origin ?? null,
    enabled: m.Enabled ?? null,
    multiRegion: m.MultiRegion ?? false,
    multiRegionKeyType: m.MultiRegionConfiguration?.MultiRegionKeyType ?? null,
    customKeyStoreId: m.CustomKeyStoreId ?? null,
    aliases: f.aliases,
    tags: f.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' })),
    awsCreatedAt: m.CreationDate ?? null,
    awsParam: toAwsParam(f),
    gone: false,
    syncedAt: new Date(),
  };
}
