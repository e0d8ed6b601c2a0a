import { awsError } from '../../errors/index.js';
import type { KeyDoc } from '../model/key-record.js';

/**
 * Automatic rotation exists only for symmetric encryption keys whose material KMS
 * generated (origin AWS_KMS); AWS answers UnsupportedOperationException for the rest
 * (asymmetric and HMAC keys, imported material, custom key stores).
 *
 * @throws UnsupportedOperationException
 */
export function assertRotationSupported(doc: KeyDoc): void {
  if (doc.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} key spec is ${doc.keySpec} which is not valid for this operation.`,
    );
  }
  assertKmsGeneratedMaterial(doc);
}

/**
 * The rotation operations refuse keys whose material KMS did not generate (imported
 * material, custom key stores), with AWS's wording. GetKeyRotationStatus checks only this:
 * AWS answers it for asymmetric and HMAC keys (rotation off) but refuses these origins.
 *
 * @throws UnsupportedOperationException
 */
export function assertKmsGeneratedMaterial(doc: KeyDoc): void {
  if (doc.origin !== 'AWS_KMS') {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} origin is ${doc.origin} which is not valid for this operation.`,
    );
  }
}

/**
 * Rotation of a multi-Region key is managed on its primary and shared with the replicas.
 *
 * @throws UnsupportedOperationException for a replica key
 */
export function assertNotReplica(doc: KeyDoc): void {
  if (doc.multiRegion && doc.primaryRegion !== undefined && doc.primaryRegion !== doc.region) {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} is a multi-Region replica key; manage rotation on its primary key in ${doc.primaryRegion}.`,
    );
  }
}

/**
 * On-demand rotation (RotateKeyOnDemand, ListKeyRotations) also covers symmetric keys with
 * imported material (origin EXTERNAL): they rotate to material imported beforehand with
 * ImportType NEW_KEY_MATERIAL.
 *
 * @throws UnsupportedOperationException
 */
export function assertOnDemandRotationSupported(doc: KeyDoc): void {
  if (doc.keySpec === 'SYMMETRIC_DEFAULT' && doc.origin === 'EXTERNAL') return;
  assertRotationSupported(doc);
}
