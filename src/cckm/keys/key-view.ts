import type { KeyRecord, KmsAccountRecord } from '../common/records.js';
import type { PrincipalFields } from '../templates/principal-fields.js';
import type { AwsKeyParams } from './create-key-request.js';

/** Types the key services share (create, actions, upload, replication), so none imports another for them. */

export interface CreateKeyInput extends PrincipalFields {
  kms: string;
  region: string;
  aws_param?: AwsKeyParams;
  policytemplate?: string;
}

/** A key record with the name of its KMS account, as the API shows it. */
export interface KeyView {
  key: KeyRecord;
  kms: KmsAccountRecord;
}
