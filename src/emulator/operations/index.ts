import type { KmsOperationName } from '../../providers/kms-provider.js';
import { cancelKeyDeletion } from './cancel-key-deletion.js';
import type { OperationHandler } from './context.js';
import { createAlias } from './create-alias.js';
import { createKey } from './create-key.js';
import { deleteAlias } from './delete-alias.js';
import { describeKey } from './describe-key.js';
import { disableKey } from './disable-key.js';
import { disableKeyRotation } from './disable-key-rotation.js';
import { enableKey } from './enable-key.js';
import { enableKeyRotation } from './enable-key-rotation.js';
import { getKeyPolicy } from './get-key-policy.js';
import { getKeyRotationStatus } from './get-key-rotation-status.js';
import { listAliases } from './list-aliases.js';
import { listKeyPolicies } from './list-key-policies.js';
import { listKeys } from './list-keys.js';
import { listResourceTags } from './list-resource-tags.js';
import { putKeyPolicy } from './put-key-policy.js';
import { scheduleKeyDeletion } from './schedule-key-deletion.js';
import { tagResource } from './tag-resource.js';
import { untagResource } from './untag-resource.js';
import { updateAlias } from './update-alias.js';
import { updateKeyDescription } from './update-key-description.js';

/**
 * The implemented KMS operations. An operation missing here answers
 * UnsupportedOperationException ("<Op> is not implemented by the opencckm emulator yet").
 */
export const OPERATIONS: { readonly [Op in KmsOperationName]?: OperationHandler<Op> } = {
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  CreateKey: createKey,
  DeleteAlias: deleteAlias,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  DisableKeyRotation: disableKeyRotation,
  EnableKey: enableKey,
  EnableKeyRotation: enableKeyRotation,
  GetKeyPolicy: getKeyPolicy,
  GetKeyRotationStatus: getKeyRotationStatus,
  ListAliases: listAliases,
  ListKeyPolicies: listKeyPolicies,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  PutKeyPolicy: putKeyPolicy,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
};
