import type { RotationsListEntry } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import {
  AppError,
  KeyStateError,
  NotFoundError,
  UnsupportedOperationError,
  ValidationError,
} from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import { paginateItems } from '../../providers/paginate.js';
import { partitionOf } from '../../providers/registry.js';
import type { ListQuery, Page } from '../common/list.js';
import type { ConnectionRecord, KeyRecord, KmsAccountRecord } from '../common/records.js';
import { keyDeletePermission, keyViewPermission, type KmsAcls, type KmsPermission } from '../kms/kms-acls.js';
import type { KmsService } from '../kms/kms.service.js';
import { keyData, NO_EVENTS, publishKeyChange, type EventSink } from '../notifications/webhook-events.js';
import type { PolicyContext } from '../policy/key-policy.js';
import { driftColumns, type PolicyDriftColumns } from '../policy/policy-drift.js';
import type { TemplateService } from '../templates/template.service.js';
import { normaliseAlias, TEMPLATE_TAG } from './create-key-request.js';
import {
  checkTagKeysToRemove,
  checkTagsToAdd,
  policyOf,
  type ImportMaterialInput,
  type PolicyActionInput,
  type TagInput,
} from './key-action-bodies.js';
import { resolveActionPolicy } from './key-action-policy.js';
import { simulateAccess, type SimulateAccessAnswer, type SimulateAccessInput } from './key-access.js';
import { listAliasesOf, readKeyFacts } from './key-facts.js';
import { importKeyMaterial, publicKeyPem, type PublicKeyView } from './key-material.js';
import { recordColumns, type KeyFacts } from './key-metadata.js';
import type { KeyChanges, KeyRepository } from './key.repository.js';
import type { KeyView } from './key-view.js';

/** A key record an action may act on, with the provider of its region. */
export interface ActionTarget {
  key: KeyRecord;
  kms: KmsAccountRecord;
  provider: KmsProvider;
  connection: ConnectionRecord;
  /** The AWS key id. */
  keyId: string;
  /** Who acts: template lookups (drift checks) run in their account. */
  principal: Principal;
}

/** What an action needs on the key's KMS account: a permission, or the view / delete permission of the key's origin. */
export type KeyNeed = KmsPermission | 'view' | 'delete';

/** One entry of ListKeyRotations with the key record it belongs to. */
export interface RotationView {
  entry: RotationsListEntry;
  key: KeyRecord;
  kms: KmsAccountRecord;
}

/**
 * The lifecycle actions on one AWS key (`POST /cckm/aws/keys/{id}/<action>`): each checks
 * the caller's role, loads the record in the caller's account, refuses a record that is
 * gone or still being created, calls the provider, then re-reads the key from the provider
 * and stores what changed in the record in the same request.
 */
export class KeyActionService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly kms: KmsService,
    private readonly templates: TemplateService,
    /** Key events (state changes, pending deletion, drift, gone, rotated) go here. */
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  /** The permission check per KMS account (for runners acting as a job's creator). */
  get acls(): KmsAcls {
    return this.kms.acls;
  }

  /**
   * Loads a record an action may act on, once the caller holds `need` on its KMS account
   * (`view` and `delete` mean the view or delete permission of the key's origin).
   * @throws NotFoundError (not in the caller's account); ForbiddenError naming the permission; KeyStateError (gone, or not yet created)
   */
  async target(p: Principal, id: string, need: KeyNeed): Promise<ActionTarget> {
    const key = await this.keys.find(p.account, id);
    if (!key) throw new NotFoundError(`Key ${id} not found`);
    const permission =
      need === 'view' ? keyViewPermission(key.origin) : need === 'delete' ? keyDeletePermission(key.origin) : need;
    const kms = await this.kms.acls.assertPermitted(p, key.kmsId, permission);
    if (key.gone) throw new KeyStateError(`Key ${id} no longer exists in AWS (gone: true); no action applies to it`);
    if (!key.kmsKeyId) {
      throw new KeyStateError(
        `Key ${id} is still being created (status ${key.status}); refresh the record once AWS has the key`,
      );
    }
    const { provider, connection } = await this.kms.provider(kms, key.region);
    return { key, kms, provider, connection, keyId: key.kmsKeyId, principal: p };
  }

  /**
   * Re-reads the key from its provider into the record, with extra record changes; the
   * policy just read is checked against the key's template (policy drift).
   */
  async reread(t: ActionTarget, changes: KeyChanges = {}, known: Partial<KeyFacts> = {}): Promise<KeyView> {
    const facts = await readKeyFacts(t.provider, t.keyId, known);
    const templateId = changes.policyTemplateId !== undefined ? changes.policyTemplateId : t.key.policyTemplateId;
    const drift = await this.driftOf(t, templateId, facts.policy);
    const key = await this.keys.update(t.key.id, {
      ...recordColumns(facts),
      status: 'ready',
      lastError: null,
      ...drift,
      ...changes,
    });
    publishKeyChange(this.events, t.key, key);
    return { key, kms: t.kms };
  }

  /** Whether `policy` (as read from AWS) still matches the key's template; a template no longer found counts as none. */
  async driftOf(t: ActionTarget, templateId: string | null, policy: unknown): Promise<PolicyDriftColumns> {
    const template = templateId ? await this.templates.find(t.principal, templateId).catch(() => undefined) : undefined;
    return driftColumns(template, this.policyContext(t), policy);
  }

  enable(p: Principal, id: string): Promise<KeyView> {
    return this.act(p, id, 'keyupdate', (t) => t.provider.kms('EnableKey', { KeyId: t.keyId }));
  }

  disable(p: Principal, id: string): Promise<KeyView> {
    return this.act(p, id, 'keyupdate', (t) => t.provider.kms('DisableKey', { KeyId: t.keyId }));
  }

  /** ScheduleKeyDeletion, 7–30 days (default 30). A key already pending deletion: AWS's 409. */
  scheduleDeletion(p: Principal, id: string, days = 30): Promise<KeyView> {
    if (!Number.isInteger(days) || days < 7 || days > 30)
      throw ValidationError.field('days', 'must be an integer from 7 to 30');
    return this.act(p, id, 'delete', (t) =>
      t.provider.kms('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: days }),
    );
  }

  cancelDeletion(p: Principal, id: string): Promise<KeyView> {
    return this.act(p, id, 'keycanceldelete', (t) => t.provider.kms('CancelKeyDeletion', { KeyId: t.keyId }));
  }

  enableAutoRotation(p: Principal, id: string, periodInDays?: number): Promise<KeyView> {
    if (periodInDays !== undefined && (!Number.isInteger(periodInDays) || periodInDays < 90 || periodInDays > 2560)) {
      throw ValidationError.field('rotation_period_in_days', 'must be an integer from 90 to 2560');
    }
    return this.act(p, id, 'keyrotate', async (t) => {
      assertRotatable(t.key);
      await t.provider.kms('EnableKeyRotation', {
        KeyId: t.keyId,
        ...(periodInDays !== undefined ? { RotationPeriodInDays: periodInDays } : {}),
      });
    });
  }

  disableAutoRotation(p: Principal, id: string): Promise<KeyView> {
    return this.act(p, id, 'keyrotate', async (t) => {
      assertRotatable(t.key);
      await t.provider.kms('DisableKeyRotation', { KeyId: t.keyId });
    });
  }

  /** RotateKeyOnDemand: new material at once (also how a pending rotation is resumed). */
  rotateMaterial(p: Principal, id: string): Promise<KeyView> {
    return this.act(p, id, 'keyrotate', async (t) => {
      assertRotatable(t.key);
      await t.provider.kms('RotateKeyOnDemand', { KeyId: t.keyId });
      this.events.publish(t.key.account, 'key.rotated', { key: keyData(t.key), trigger: 'api' });
    });
  }

  /** Publishes a scheduled rotation's outcome (the rotation runner calls this). */
  rotationOutcome(key: KeyRecord, outcome: { rotated: true } | { rotated: false; reason: string }): void {
    if (outcome.rotated) this.events.publish(key.account, 'key.rotated', { key: keyData(key), trigger: 'scheduler' });
    else this.events.publish(key.account, 'key.rotation_failed', { key: keyData(key), reason: outcome.reason });
  }

  /** ListKeyRotations to the end, sorted and paged here (`sort=RotationDate` / `-RotationDate`). */
  async rotations(p: Principal, id: string, q: ListQuery, all: boolean): Promise<Page<RotationView>> {
    const t = await this.target(p, id, 'view');
    const entries: RotationsListEntry[] = [];
    const input = { KeyId: t.keyId, Limit: 1000, ...(all ? { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' as const } : {}) };
    for await (const entry of paginateItems(t.provider, 'ListKeyRotations', input)) entries.push(entry);
    const time = (e: RotationsListEntry) => e.RotationDate?.getTime() ?? 0;
    if (q.sort) entries.sort((a, b) => (q.sort!.desc ? time(b) - time(a) : time(a) - time(b)));
    const resources = entries.slice(q.skip, q.skip + q.limit).map((entry) => ({ entry, key: t.key, kms: t.kms }));
    return { skip: q.skip, limit: q.limit, total: entries.length, resources };
  }

  addTags(p: Principal, id: string, tags: TagInput[]): Promise<KeyView> {
    const checked = checkTagsToAdd(tags);
    return this.act(p, id, 'keyupdate', (t) => t.provider.kms('TagResource', { KeyId: t.keyId, Tags: checked }));
  }

  removeTags(p: Principal, id: string, tagKeys: string[]): Promise<KeyView> {
    const checked = checkTagKeysToRemove(tagKeys);
    return this.act(p, id, 'keyupdate', (t) => t.provider.kms('UntagResource', { KeyId: t.keyId, TagKeys: checked }));
  }

  addAlias(p: Principal, id: string, alias: string): Promise<KeyView> {
    const name = normaliseAlias(alias, 'alias');
    return this.act(p, id, 'keyupdate', (t) =>
      t.provider.kms('CreateAlias', { AliasName: name, TargetKeyId: t.keyId }),
    );
  }

  /** Deletes one of this key's aliases; an alias of another key (or none) is a 400 naming `alias`. */
  deleteAlias(p: Principal, id: string, alias: string): Promise<KeyView> {
    const name = normaliseAlias(alias, 'alias');
    return this.act(p, id, 'keyupdate', async (t) => {
      if (!(await listAliasesOf(t.provider, t.keyId)).includes(name)) {
        throw ValidationError.field('alias', `${name} is not an alias of this key`);
      }
      await t.provider.kms('DeleteAlias', { AliasName: name });
    });
  }

  updateDescription(p: Principal, id: string, description: string): Promise<KeyView> {
    return this.act(p, id, 'keyupdate', (t) =>
      t.provider.kms('UpdateKeyDescription', { KeyId: t.keyId, Description: description }),
    );
  }

  /**
   * Replaces the key policy (PutKeyPolicy). A template links the key to it (tag
   * `cckm_policy_template_id`, record link, template verified); any other policy unlinks it,
   * so a later auto_push of the old template leaves the key alone.
   */
  async putPolicy(p: Principal, id: string, input: PolicyActionInput): Promise<KeyView> {
    const { policy: _p, Policy: _P, ...rest } = input;
    const policy = policyOf(input);
    const t = await this.target(p, id, 'keyupdate');
    const resolved = await resolveActionPolicy(
      p,
      { ...rest, ...(policy.value !== undefined ? { policy: { value: policy.value, field: policy.field } } : {}) },
      t.kms,
      this.policyContext(t),
      this.templates,
    );
    if (!resolved) {
      throw ValidationError.field(
        'policy',
        'give policy (or Policy), policytemplate, or key_admins, key_admins_roles, key_users, key_users_roles, external_accounts',
      );
    }
    return this.guard(t, async () => {
      await t.provider.kms('PutKeyPolicy', {
        KeyId: t.keyId,
        PolicyName: 'default',
        Policy: JSON.stringify(resolved.policy),
        ...(input.BypassPolicyLockoutSafetyCheck !== undefined
          ? { BypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck }
          : {}),
      });
      if (resolved.template) {
        await t.provider.kms('TagResource', {
          KeyId: t.keyId,
          Tags: [{ TagKey: TEMPLATE_TAG, TagValue: resolved.template.id }],
        });
      } else if (t.key.policyTemplateId) {
        await t.provider.kms('UntagResource', { KeyId: t.keyId, TagKeys: [TEMPLATE_TAG] });
      }
      const view = await this.reread(t, { ...resolved.principals, policyTemplateId: resolved.template?.id ?? null });
      if (resolved.template) await this.templates.markVerified(resolved.template);
      return view;
    });
  }

  /**
   * Would `principal` be allowed `action` on the key, and why (see key-access.ts)? A read:
   * nothing changes in AWS or in the record.
   * @throws ValidationError naming the field; NotFoundError; KeyStateError; provider errors
   */
  async simulateAccess(p: Principal, id: string, body: SimulateAccessInput): Promise<SimulateAccessAnswer> {
    const t = await this.target(p, id, 'view');
    return simulateAccess(t.provider, t.keyId, t.key.arn ?? '', body);
  }

  /** The public key of an asymmetric key as PEM. @throws ValidationError for symmetric and HMAC keys */
  async publicKey(p: Principal, id: string): Promise<PublicKeyView> {
    const t = await this.target(p, id, 'view');
    if (t.key.keyType !== 'asymmetric') {
      throw new ValidationError(
        `id: key ${id} is a ${t.key.keySpec ?? 'symmetric'} key; only asymmetric keys have a public key`,
        {
          details: [{ field: 'id', message: 'is not an asymmetric key' }],
        },
      );
    }
    return this.guard(t, async () => publicKeyPem(await t.provider.kms('GetPublicKey', { KeyId: t.keyId })));
  }

  /** BYOK: wraps material (generated here, or given) for the key and imports it. */
  importMaterial(p: Principal, id: string, input: ImportMaterialInput): Promise<KeyView> {
    return this.act(p, id, 'keymaterialimport', (t) =>
      importKeyMaterial(t.provider, t.keyId, t.key.keySpec ?? 'SYMMETRIC_DEFAULT', t.key.origin, input),
    );
  }

  deleteMaterial(p: Principal, id: string, keyMaterialId?: string): Promise<KeyView> {
    return this.act(p, id, 'keymaterialdelete', (t) =>
      t.provider.kms('DeleteImportedKeyMaterial', {
        KeyId: t.keyId,
        ...(keyMaterialId ? { KeyMaterialId: keyMaterialId } : {}),
      }),
    );
  }

  /** The context a key policy is built in: the key's account, partition, usage and spec. */
  policyContext(t: ActionTarget): PolicyContext {
    return {
      accountId: t.kms.awsAccountId,
      partition: partitionOf(t.connection.cloudName),
      keyUsage: t.key.keyUsage ?? 'ENCRYPT_DECRYPT',
      keySpec: t.key.keySpec ?? 'SYMMETRIC_DEFAULT',
    };
  }

  /**
   * Runs `fn`; when the provider answers NotFoundException and the key itself is gone from
   * AWS, the record is marked `gone` before the error is passed on.
   */
  async guard<T>(t: ActionTarget, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError && err.awsName === 'NotFoundException' && (await this.isGone(t))) {
        publishKeyChange(this.events, t.key, await this.keys.update(t.key.id, { gone: true, syncedAt: new Date() }));
      }
      throw err;
    }
  }

  private async act(
    p: Principal,
    id: string,
    need: KeyNeed,
    call: (t: ActionTarget) => Promise<unknown>,
  ): Promise<KeyView> {
    const t = await this.target(p, id, need);
    return this.guard(t, async () => {
      await call(t);
      return this.reread(t);
    });
  }

  private async isGone(t: ActionTarget): Promise<boolean> {
    try {
      await t.provider.kms('DescribeKey', { KeyId: t.keyId });
      return false;
    } catch (err) {
      return err instanceof AppError && err.awsName === 'NotFoundException';
    }
  }
}

/**
 * Automatic and on-demand rotation exist only for symmetric encryption keys with
 * AWS-generated material; AWS answers UnsupportedOperationException for the rest.
 */
function assertRotatable(key: KeyRecord): void {
  const spec = key.keySpec ?? 'SYMMETRIC_DEFAULT';
  const origin = key.origin ?? 'AWS_KMS';
  if (spec !== 'SYMMETRIC_DEFAULT' || origin !== 'AWS_KMS') {
    throw new UnsupportedOperationError(
      `Key rotation applies only to SYMMETRIC_DEFAULT keys with origin AWS_KMS; this key is ${spec} with origin ${origin}`,
      { awsName: 'UnsupportedOperationException' },
    );
  }
}
