import { randomUUID } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import { partitionOf } from '../../providers/registry.js';
import type { ListQuery, Page } from '../common/list.js';
import type { KeyRecord, KmsAccountRecord, PolicyTemplateRecord } from '../common/records.js';
import { keyCreatePermission, keyDeletePermission, keyViewPermission, type KmsPermission } from '../kms/kms-acls.js';
import type { KmsService } from '../kms/kms.service.js';
import {
  buildKeyPolicy,
  hasPrincipals,
  parsePolicy,
  templatePolicy,
  type PolicyDocument,
} from '../policy/key-policy.js';
import { driftColumns } from '../policy/policy-drift.js';
import { PRINCIPAL_FIELDS, principalsOf } from '../templates/principal-fields.js';
import type { TemplateService } from '../templates/template.service.js';
import {
  checkKeyParams,
  createKeyInput,
  DEFAULT_RESERVATION_GRACE_MS,
  noKeyForReservation,
  RECORD_TAG,
  TEMPLATE_TAG,
  type CheckedKeyParams,
} from './create-key-request.js';
import { paginate } from '../../providers/paginate.js';
import { readKeyFacts } from './key-facts.js';
import { keyTypeOf, materialOriginOf } from './key-rules.js';
import { recordColumns } from './key-metadata.js';
import { MAX_STAT_GROUPS, type KeyListFilter } from './key-filter.js';
import { visibleFilter } from './key-visibility.js';
import type { KeyCounts, KeyGroupBy, KeyRepository } from './key.repository.js';
import type { CreateKeyInput, KeyView } from './key-view.js';
import { keyData, NO_EVENTS, publishKeyChange, type EventSink } from '../notifications/webhook-events.js';

/** Pages of 1 000 keys a search for an interrupted create's key reads before it says `unknown`. */
const MAX_RESERVATION_PAGES = 100;

/**
 * AWS keys: create (seed 004), read, list, forget and refresh records.
 *
 * No orphan keys: the record is reserved before CreateKey and the new key is tagged with
 * the record's id, so a key whose creation was interrupted is found and adopted later.
 */
export class KeyService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly kms: KmsService,
    private readonly templates: TemplateService,
    /**
     * How old a `creating` reservation must be before AWS having no key for it means the
     * create failed: the provider time budget (CCKM_PROVIDER_TIMEOUT_MS) and a margin, so a
     * create still in flight is never misjudged.
     */
    private readonly reservationGraceMs = DEFAULT_RESERVATION_GRACE_MS,
    /** key.created, and the changes a refresh finds (state, drift, gone), go here. */
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  /** A key record, once the caller holds `need` (by default the view permission of its origin) on its KMS account. */
  async get(p: Principal, id: string, need?: KmsPermission): Promise<KeyView> {
    const key = await this.keys.find(p.account, id);
    if (!key) throw new NotFoundError(`Key ${id} not found`);
    return { key, kms: await this.kms.acls.assertPermitted(p, key.kmsId, need ?? keyViewPermission(key.origin)) };
  }

  async list(p: Principal, filter: KeyListFilter, q: ListQuery): Promise<Page<KeyView>> {
    const scoped = await visibleFilter(this.kms, p, filter);
    if (!scoped) return { skip: q.skip, limit: q.limit, total: 0, resources: [] };
    const { total, rows } = await this.keys.list(p.account, scoped, q);
    const accounts = new Map<string, KmsAccountRecord>();
    for (const id of new Set(rows.map((r) => r.kmsId))) accounts.set(id, await this.kms.find(p, id));
    return {
      skip: q.skip,
      limit: q.limit,
      total,
      resources: rows.map((key) => ({ key, kms: accounts.get(key.kmsId)! })),
    };
  }

  /** The keys the same filters as list() match, counted by state or region (the inventory's charts). */
  async stats(p: Principal, filter: KeyListFilter, groupBy: KeyGroupBy): Promise<KeyCounts> {
    const scoped = await visibleFilter(this.kms, p, filter);
    return scoped ? this.keys.countBy(p.account, scoped, groupBy, MAX_STAT_GROUPS) : { total: 0, counts: [] };
  }

  /** Forgets the record only; the AWS key is untouched (the original's DELETE semantics). */
  async forget(p: Principal, id: string): Promise<void> {
    const { key } = await this.get(p, id);
    await this.kms.acls.assertPermitted(p, key.kmsId, keyDeletePermission(key.origin));
    await this.keys.delete(key.id);
  }

  /**
   * Creates a key in AWS KMS (or the emulator) and its record, per seed 004.
   * @throws ValidationError naming the field; ConflictError for an alias in use; provider errors with AWS's names.
   */
  async create(p: Principal, input: CreateKeyInput): Promise<KeyView> {
    const kms = await this.kms.find(p, input.kms, 'kms');
    await this.kms.acls.assertPermitted(p, kms, keyCreatePermission(input.aws_param?.Origin));
    if (!kms.regions.includes(input.region)) {
      throw ValidationError.field(
        'region',
        `${input.region} is not one of the regions of KMS account ${kms.name} (${kms.regions.join(', ')})`,
      );
    }
    const params = input.aws_param ?? {};
    const checked = checkKeyParams(params, input.region);
    const { provider, connection } = await this.kms.provider(kms, input.region);
    const partition = partitionOf(connection.cloudName);
    const { policy, template } = await this.resolvePolicy(p, input, kms, checked, partition);
    if (checked.alias) await this.assertAliasFree(provider, checked.alias);

    const principals = principalsOf(input);
    const reserved = await this.keys.reserve({
      id: randomUUID(),
      account: p.account,
      kmsId: kms.id,
      region: input.region,
      cloudName: connection.cloudName,
      policyTemplateId: template?.id ?? null,
      keySpec: checked.spec,
      keyUsage: checked.usage,
      keyType: keyTypeOf(checked.spec),
      origin: checked.origin,
      keyMaterialOrigin: materialOriginOf(checked.origin),
      ...principals,
      createdBy: p.username,
    });
    const tags: Tag[] = [{ TagKey: RECORD_TAG, TagValue: reserved.id }];
    if (template) tags.push({ TagKey: TEMPLATE_TAG, TagValue: template.id });
    const policyText = policy ? JSON.stringify(policy) : undefined;

    let keyId: string;
    let facts;
    try {
      const created = await provider.kms('CreateKey', createKeyInput(params, checked, policyText, tags));
      keyId = created.KeyMetadata!.KeyId!;
      facts = await readKeyFacts(provider, keyId, {
        metadata: created.KeyMetadata!,
        aliases: [],
        tags: [...checked.tags, ...tags],
        rotationEnabled: false,
        ...(policy ? { policy } : {}),
      });
    } catch (err) {
      await this.afterFailedCreate(reserved.id, err);
      throw err;
    }
    const ctx = { accountId: kms.awsAccountId, partition, keyUsage: checked.usage, keySpec: checked.spec };
    let key = await this.keys.update(reserved.id, {
      status: 'ready',
      ...recordColumns(facts),
      ...driftColumns(template, ctx, facts.policy),
    });
    if (checked.alias) key = await this.addAlias(provider, key, checked.alias);
    if (template) await this.templates.markVerified(template);
    this.events.publish(key.account, 'key.created', { key: keyData(key) });
    return { key, kms };
  }

  /**
   * Re-reads a key from its provider into the record; a key AWS no longer has is marked gone.
   * A `creating` reservation is resolved: its key (found by the `cckm_record_id` tag) is
   * adopted, or, when a full listing of the region has no such key and the reservation is
   * older than the provider time budget, the record is marked `failed` with `last_error`.
   * A younger reservation is left as it is (its create may still be in flight).
   */
  async refresh(p: Principal, id: string): Promise<KeyView> {
    const { key, kms } = await this.get(p, id, 'keysynchronize');
    const { provider, connection } = await this.kms.provider(kms, key.region);
    const found = key.kmsKeyId ?? (await this.findReservedKey(provider, key.id));
    if (found === 'absent') {
      const failed = await this.keys.failReservation(
        key.id,
        this.reservationGraceMs,
        noKeyForReservation(key.id, key.region),
      );
      if (failed || key.status !== 'creating') return { key: failed ?? key, kms };
      const young =
        'The key was not found in AWS yet; its create may still be in flight: refresh again after the provider time budget';
      return { key: await this.keys.update(key.id, { lastError: young }), kms };
    }
    if (found === 'unknown') {
      return {
        key: await this.keys.update(key.id, {
          lastError: 'The key was not found in the first 100 000 keys of the region; refresh again or synchronize',
        }),
        kms,
      };
    }
    const keyId = found;
    try {
      const facts = await readKeyFacts(provider, keyId);
      const template = key.policyTemplateId
        ? await this.templates.find(p, key.policyTemplateId).catch(() => undefined)
        : undefined;
      const ctx = {
        accountId: kms.awsAccountId,
        partition: partitionOf(connection.cloudName),
        keyUsage: facts.metadata.KeyUsage ?? 'ENCRYPT_DECRYPT',
        keySpec: facts.metadata.KeySpec ?? 'SYMMETRIC_DEFAULT',
      };
      const drift = driftColumns(template, ctx, facts.policy);
      const updated = await this.keys.update(key.id, {
        status: 'ready',
        lastError: null,
        ...recordColumns(facts),
        ...drift,
      });
      publishKeyChange(this.events, key, updated);
      return { key: updated, kms };
    } catch (err) {
      if (err instanceof AppError && err.awsName === 'NotFoundException') {
        const gone = await this.keys.update(key.id, { gone: true, syncedAt: new Date() });
        publishKeyChange(this.events, key, gone);
        return { key: gone, kms };
      }
      throw err;
    }
  }

  private async resolvePolicy(
    p: Principal,
    input: CreateKeyInput,
    kms: KmsAccountRecord,
    checked: CheckedKeyParams,
    partition: string,
  ): Promise<{ policy?: PolicyDocument; template?: PolicyTemplateRecord }> {
    const listed = PRINCIPAL_FIELDS.find(([f]) => input[f] !== undefined && input[f]!.length > 0)?.[0];
    const given = [
      input.aws_param?.Policy !== undefined ? 'aws_param.Policy' : undefined,
      input.policytemplate !== undefined ? 'policytemplate' : undefined,
      listed,
    ].filter((f): f is string => f !== undefined);
    if (given.length > 1) {
      // Name both conflicting fields, in the message and in the details.
      const message = `${given[0]} and ${given[1]} are mutually exclusive; give only one way to set the key policy`;
      throw new ValidationError(message, { details: given.slice(0, 2).map((field) => ({ field, message })) });
    }
    const ctx = { accountId: kms.awsAccountId, partition, keyUsage: checked.usage, keySpec: checked.spec };
    if (input.aws_param?.Policy !== undefined)
      return { policy: parsePolicy(input.aws_param.Policy, 'aws_param.Policy') };
    if (input.policytemplate !== undefined) {
      const template = await this.templates.find(p, input.policytemplate, 'policytemplate');
      if (template.kmsId !== kms.id) {
        throw ValidationError.field('policytemplate', `belongs to another KMS account than ${kms.name}`);
      }
      return { policy: templatePolicy(template, ctx), template };
    }
    const principals = principalsOf(input);
    return hasPrincipals(principals) ? { policy: buildKeyPolicy(ctx, principals) } : {};
  }

  private async assertAliasFree(provider: KmsProvider, alias: string): Promise<void> {
    try {
      await provider.kms('DescribeKey', { KeyId: alias });
    } catch (err) {
      if (err instanceof AppError && err.awsName === 'NotFoundException') return;
      throw err;
    }
    throw new ConflictError(`aws_param.Alias: ${alias} already exists in this account and region`, {
      awsName: 'AlreadyExistsException',
    });
  }

  private async addAlias(provider: KmsProvider, key: KeyRecord, alias: string): Promise<KeyRecord> {
    try {
      await provider.kms('CreateAlias', { AliasName: alias, TargetKeyId: key.kmsKeyId! });
    } catch (err) {
      if (
        err instanceof AppError &&
        err.awsName === 'AlreadyExistsException' &&
        (await this.discardLoser(provider, key))
      ) {
        // Another create took the alias between our check and CreateAlias: the caller gets the
        // same 409 as when the alias was taken before, and no extra usable key or record remains.
        throw new ConflictError(`aws_param.Alias: ${alias} already exists in this account and region`, {
          awsName: 'AlreadyExistsException',
          cause: err,
        });
      }
      const reason = err instanceof AppError ? `${err.awsName ?? err.code}: ${err.message}` : 'unknown error';
      await this.keys.update(key.id, { lastError: `Alias ${alias} could not be created: ${reason}` });
      throw new ConflictError(`Key record ${key.id} was created, but alias ${alias} could not be: ${reason}`, {
        cause: err,
      });
    }
    const aliases = [...new Set([...key.aliases, alias])].sort();
    const awsParam = { ...(key.awsParam as Record<string, unknown>), Alias: aliases };
    return this.keys.update(key.id, { aliases, awsParam });
  }

  /**
   * Schedules the deletion of a key created for a request that lost its alias to a concurrent
   * create (AWS's shortest window, 7 days) and removes its record. False when the deletion
   * could not be scheduled: the record is then kept, so the key is never unknown.
   */
  private async discardLoser(provider: KmsProvider, key: KeyRecord): Promise<boolean> {
    try {
      await provider.kms('ScheduleKeyDeletion', { KeyId: key.kmsKeyId!, PendingWindowInDays: 7 });
    } catch {
      return false;
    }
    await this.keys.delete(key.id);
    return true;
  }

  /**
   * When AWS refused the request, nothing was created and the reservation goes. When the
   * outcome is unknown (timeout, 5xx, network), the record stays `creating` with the
   * error, and refresh or sync adopts the key if it was created after all.
   */
  private async afterFailedCreate(recordId: string, err: unknown): Promise<void> {
    if (err instanceof AppError && err.fault === 'client') {
      await this.keys.delete(recordId);
      return;
    }
    const reason = err instanceof AppError ? err.message : 'unknown error';
    await this.keys.update(recordId, {
      lastError: `Creation outcome unknown: ${reason}; refresh the record to reconcile`,
    });
  }

  /**
   * Finds the key tagged with a record id (a create interrupted before the record was
   * completed): its key id, `absent` when the whole region was listed without it, or
   * `unknown` when the listing stopped at its page bound. A key deleted while listed is skipped.
   */
  private async findReservedKey(provider: KmsProvider, recordId: string): Promise<string | 'absent' | 'unknown'> {
    let pages = 0;
    for await (const r of paginate(provider, 'ListKeys', { Limit: 1000 })) {
      for (const k of r.Keys ?? []) {
        const tags = await provider.kms('ListResourceTags', { KeyId: k.KeyId!, Limit: 50 }).catch((err: unknown) => {
          if (err instanceof AppError && err.awsName === 'NotFoundException') return { Tags: [] };
          throw err;
        });
        if (tags.Tags?.some((t) => t.TagKey === RECORD_TAG && t.TagValue === recordId)) return k.KeyId!;
      }
      if (r.Truncated && ++pages >= MAX_RESERVATION_PAGES) return 'unknown';
    }
    return 'absent';
  }
}
