import type { KeyMetadata, MultiRegionConfiguration } from '@aws-sdk/client-kms';
import { algorithmsOf, copyAlgorithms } from './key-specs.js';
import { currentMaterial, type KeyDoc } from './key-record.js';
import { KMS_SHAPES } from './kms-shapes.generated.js';

/** Key specs the deprecated CustomerMasterKeySpec enum can express (its values in the AWS model). */
const CMK_SPECS: ReadonlySet<string> = new Set(KMS_SHAPES.CustomerMasterKeySpec?.e);

/**
 * KeyMetadata as AWS returns it from CreateKey and DescribeKey: field presence follows
 * AWS (Description is "" when unset; DeletionDate only while PendingDeletion; the
 * algorithm list of the key's usage only; MultiRegionConfiguration only for multi-Region
 * keys (the set's configuration as given, by default a primary without replicas);
 * CurrentKeyMaterialId for symmetric encryption keys that have material).
 */
export function toKeyMetadata(doc: KeyDoc, multiRegion?: MultiRegionConfiguration): KeyMetadata {
  const md: KeyMetadata = {
    AWSAccountId: doc.accountId,
    KeyId: doc.keyId,
    Arn: doc.arn,
    CreationDate: new Date(doc.creationDate),
    Enabled: doc.keyState === 'Enabled',
    Description: doc.description,
    KeyUsage: doc.keyUsage,
    KeyState: doc.keyState,
  };
  if (doc.deletionDate) md.DeletionDate = new Date(doc.deletionDate);
  if (doc.validTo) md.ValidTo = new Date(doc.validTo);
  md.Origin = doc.origin;
  if (doc.customKeyStoreId) md.CustomKeyStoreId = doc.customKeyStoreId;
  if (doc.expirationModel) md.ExpirationModel = doc.expirationModel;
  md.KeyManager = 'CUSTOMER';
  // CustomerMasterKeySpec is deprecated and has no values for the newer specs.
  if (CMK_SPECS.has(doc.keySpec)) md.CustomerMasterKeySpec = doc.keySpec as KeyMetadata['CustomerMasterKeySpec'];
  md.KeySpec = doc.keySpec;
  Object.assign(md, copyAlgorithms(algorithmsOf(doc.keySpec, doc.keyUsage)));
  md.MultiRegion = doc.multiRegion;
  if (doc.multiRegion) {
    md.MultiRegionConfiguration = multiRegion ?? {
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: doc.arn, Region: doc.region },
      ReplicaKeys: [],
    };
  }
  if (doc.xksKeyId) md.XksKeyConfiguration = { Id: doc.xksKeyId };
  const current = currentMaterial(doc);
  if (current && doc.keySpec === 'SYMMETRIC_DEFAULT') md.CurrentKeyMaterialId = current.id;
  return md;
}
