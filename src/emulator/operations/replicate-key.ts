import { awsError } from '../../errors/index.js';
import { multiRegionConfiguration } from '../core/replicas.js';
import { keyArn, partitionOf } from '../model/arn.js';
import { checkNewKeyPolicy, defaultKeyPolicy } from '../model/key-policy-document.js';
import type { KeyDoc } from '../model/key-record.js';
import { toKeyMetadata } from '../model/key-metadata-view.js';
import { assertKeyUsable } from '../model/key-state.js';
import { assertTagCount, validateNewTags } from '../model/tags.js';
import type { OperationHandler } from './context.js';

/**
 * ReplicateKey: creates a replica of a multi-Region primary key in another Region of the
 * same account and partition, with the same key id, spec, usage, origin, material
 * versions and rotation, and its own policy, tags and description. The replica is ready
 * at once, but the response reports KeyState Creating, as AWS's first response does. A
 * replica of a key with imported material waits in PendingImport for the same material.
 *
 * @throws NotFoundException | UnsupportedOperationException | AlreadyExistsException | KMSInvalidStateException |
 *   ValidationException | MalformedPolicyDocumentException | TagException | LimitExceededException
 */
export const replicateKey: OperationHandler<'ReplicateKey'> = async (ctx, input) => {
  const primary = ctx.findKey(input.KeyId!);
  const { doc } = primary;
  if (!doc.multiRegion) throw awsError('UnsupportedOperationException', `${doc.arn} is not a multi-Region key.`);
  if ((doc.primaryRegion ?? doc.region) !== doc.region) {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} is a replica key; replicate the primary key in ${doc.primaryRegion}.`,
    );
  }
  assertKeyUsable(doc, ctx.op);
  const region = input.ReplicaRegion!;
  if (region === doc.region || partitionOf(region) !== partitionOf(doc.region)) {
    throw awsError(
      'ValidationException',
      `${region} is not a valid replica Region for a primary key in ${doc.region}.`,
    );
  }
  if (ctx.registry.scope(doc.accountId, region).keys.has(doc.keyId)) {
    throw awsError('AlreadyExistsException', `A replica of ${doc.keyId} already exists in ${region}.`);
  }
  if (input.Policy !== undefined) {
    checkNewKeyPolicy(input.Policy, {
      principalArn: ctx.principalArn,
      bypassLockoutCheck: input.BypassPolicyLockoutSafetyCheck === true,
      allowsPutKeyPolicy: (policy) =>
        ctx.authz.allowsPutKeyPolicy(policy, doc.arn.replace(`:${doc.region}:`, `:${region}:`)),
    });
  }
  const tags = (input.Tags ?? []).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' }));
  validateNewTags(tags);
  assertTagCount(tags.length);

  const imported = doc.origin === 'EXTERNAL';
  const replica: KeyDoc = {
    keyId: doc.keyId,
    accountId: doc.accountId,
    region,
    arn: keyArn(region, doc.accountId, doc.keyId),
    creationDate: ctx.now.toISOString(),
    description: input.Description ?? '',
    keySpec: doc.keySpec,
    keyUsage: doc.keyUsage,
    origin: doc.origin,
    keyState: imported ? 'PendingImport' : 'Enabled',
    policy: input.Policy ?? defaultKeyPolicy(region, doc.accountId),
    tags,
    multiRegion: true,
    primaryRegion: doc.region,
    rotationEnabled: doc.rotationEnabled,
    ...(doc.rotationPeriodInDays !== undefined ? { rotationPeriodInDays: doc.rotationPeriodInDays } : {}),
    ...(doc.nextRotationDate !== undefined ? { nextRotationDate: doc.nextRotationDate } : {}),
    materials: imported ? [] : doc.materials,
  };
  const tx = ctx.begin();
  tx.putKey(ctx.sealEntry(replica, imported ? new Map() : primary.material));
  await ctx.commit(tx);
  const md = toKeyMetadata(replica, multiRegionConfiguration(ctx.registry, replica));
  Object.assign(md, { KeyState: 'Creating', Enabled: false });
  return { ReplicaKeyMetadata: md, ReplicaPolicy: replica.policy, ReplicaTags: tags };
};
