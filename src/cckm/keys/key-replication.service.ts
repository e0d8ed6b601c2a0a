import { randomUUID } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import { AppError, UnsupportedOperationError, ValidationError } from '../../errors/index.js';
import type { KeyRecord } from '../common/records.js';
import type { KmsService } from '../kms/kms.service.js';
import type { TemplateService } from '../templates/template.service.js';
import { driftColumns } from '../policy/policy-drift.js';
import { RECORD_TAG, TEMPLATE_TAG } from './create-key-request.js';
import { checkTagsToAdd, policyOf, type ReplicateKeyInput } from './key-action-bodies.js';
import { resolveActionPolicy } from './key-action-policy.js';
import type { ActionTarget, KeyActionService } from './key-actions.service.js';
import { readKeyFacts } from './key-facts.js';
import { recordColumns } from './key-metadata.js';
import type { KeyRepository } from './key.repository.js';
import type { KeyView } from './key-view.js';

/**
 * Multi-Region keys: replicate-key (a replica in another region of the same KMS account,
 * with its own record) and update-primary-region. Every record of the key's set that
 * opencckm holds is re-read afterwards, since each shows the set's configuration.
 */
export class KeyReplicationService {
  constructor(
    private readonly actions: KeyActionService,
    private readonly keys: KeyRepository,
    private readonly kms: KmsService,
    private readonly templates: TemplateService,
  ) {}

  /**
   * Creates a replica of a multi-Region primary key and its record, as create does: the
   * record is reserved first and the replica is tagged with its id, so no replica is unknown.
   * @throws ValidationError naming the field; UnsupportedOperationError; provider errors with AWS's names
   */
  async replicate(p: Principal, id: string, input: ReplicateKeyInput): Promise<KeyView> {
    const t = await this.actions.target(p, id, 'keycreate');
    const region = input.replica_region;
    if (!t.kms.regions.includes(region)) {
      throw ValidationError.field(
        'replica_region',
        `${region} is not one of the regions of KMS account ${t.kms.name} (${t.kms.regions.join(', ')})`,
      );
    }
    if (region === t.key.region) throw ValidationError.field('replica_region', 'is the region of the key itself');
    if (!t.key.multiRegion || t.key.multiRegionKeyType === 'REPLICA') {
      const why = t.key.multiRegion ? 'is a replica; replicate its primary key' : 'is not a multi-Region key';
      throw new UnsupportedOperationError(`Key ${id} ${why}`, { awsName: 'UnsupportedOperationException' });
    }
    const params = input.aws_param ?? {};
    if (params.Tags !== undefined && input.tags !== undefined) {
      const message = 'aws_param.Tags and tags are two ways to give the replica tags; give one of them';
      throw new ValidationError(message, {
        details: [
          { field: 'aws_param.Tags', message },
          { field: 'tags', message },
        ],
      });
    }
    const userTags =
      params.Tags !== undefined ? checkTagsToAdd(params.Tags, 'aws_param.Tags') : checkTagsToAdd(input.tags ?? []);
    const literal = policyOf({ Policy: params.Policy });
    const resolved = await resolveActionPolicy(
      p,
      {
        ...input,
        ...(literal.value !== undefined ? { policy: { value: literal.value, field: 'aws_param.Policy' } } : {}),
      },
      t.kms,
      this.actions.policyContext(t),
      this.templates,
    );
    const reserved = await this.keys.reserve({
      id: randomUUID(),
      account: p.account,
      kmsId: t.kms.id,
      region,
      cloudName: t.key.cloudName,
      policyTemplateId: resolved?.template?.id ?? null,
      keySpec: t.key.keySpec,
      keyUsage: t.key.keyUsage,
      keyType: t.key.keyType,
      origin: t.key.origin,
      keyMaterialOrigin: t.key.keyMaterialOrigin,
      keyAdmins: resolved?.principals.keyAdmins ?? [],
      keyAdminsRoles: resolved?.principals.keyAdminsRoles ?? [],
      keyUsers: resolved?.principals.keyUsers ?? [],
      keyUsersRoles: resolved?.principals.keyUsersRoles ?? [],
      externalAccounts: resolved?.principals.externalAccounts ?? [],
      createdBy: p.username,
    });
    const tags: Tag[] = [...userTags, { TagKey: RECORD_TAG, TagValue: reserved.id }];
    if (resolved?.template) tags.push({ TagKey: TEMPLATE_TAG, TagValue: resolved.template.id });
    try {
      await this.actions.guard(t, () =>
        t.provider.kms('ReplicateKey', {
          KeyId: t.keyId,
          ReplicaRegion: region,
          Tags: tags,
          ...(params.Description !== undefined ? { Description: params.Description } : {}),
          ...(resolved ? { Policy: JSON.stringify(resolved.policy) } : {}),
          ...(params.BypassPolicyLockoutSafetyCheck !== undefined
            ? { BypassPolicyLockoutSafetyCheck: params.BypassPolicyLockoutSafetyCheck }
            : {}),
        }),
      );
    } catch (err) {
      if (err instanceof AppError && err.fault === 'client') await this.keys.delete(reserved.id);
      else
        await this.keys.update(reserved.id, {
          lastError: `Replication outcome unknown: ${err instanceof AppError ? err.message : 'unknown error'}; refresh the record to reconcile`,
        });
      throw err;
    }
    const { provider } = await this.kms.provider(t.kms, region);
    const facts = await readKeyFacts(provider, t.keyId);
    const drift = driftColumns(resolved?.template, this.actions.policyContext(t), facts.policy);
    const replica = await this.keys.update(reserved.id, {
      ...recordColumns(facts),
      ...drift,
      status: 'ready',
      lastError: null,
    });
    if (resolved?.template) await this.templates.markVerified(resolved.template);
    await this.rereadSet(p, t, [reserved.id]);
    return { key: replica, kms: t.kms };
  }

  /** Makes the replica in `primaryRegion` the primary key; answers this key's updated record. */
  async updatePrimaryRegion(p: Principal, id: string, primaryRegion: string): Promise<KeyView> {
    const t = await this.actions.target(p, id, 'keyupdate');
    await this.actions.guard(t, () =>
      t.provider.kms('UpdatePrimaryRegion', { KeyId: t.keyId, PrimaryRegion: primaryRegion }),
    );
    const updated = await this.rereadSet(p, t, []);
    return { key: updated.get(t.key.id) ?? (await this.actions.reread(t)).key, kms: t.kms };
  }

  /**
   * Re-reads every record of the key's multi-Region set in the same KMS account (the same
   * key id in each region), except `skip`. A record that cannot be read now keeps its
   * state; the next refresh or sync completes it.
   */
  private async rereadSet(p: Principal, t: ActionTarget, skip: string[]): Promise<Map<string, KeyRecord>> {
    const { rows } = await this.keys.list(
      p.account,
      { kmsIds: [t.kms.id], keyIds: [t.keyId] },
      { skip: 0, limit: 100 },
    );
    const out = new Map<string, KeyRecord>();
    for (const row of rows.filter((r) => !skip.includes(r.id) && !r.gone)) {
      try {
        const { provider } = await this.kms.provider(t.kms, row.region);
        const facts = await readKeyFacts(provider, t.keyId);
        out.set(row.id, await this.keys.update(row.id, recordColumns(facts)));
      } catch (err) {
        if (row.id === t.key.id) throw err;
      }
    }
    return out;
  }
}
