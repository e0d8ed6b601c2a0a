import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { AppError, failureReason } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import {
  DEFAULT_RESERVATION_GRACE_MS,
  noKeyForReservation,
  RECORD_TAG,
  TEMPLATE_TAG,
} from '../keys/create-key-request.js';
import { paginate, paginateItems } from '../../providers/paginate.js';
import { readKeyFacts } from '../keys/key-facts.js';
import type { PolicyTemplateRecord } from '../common/records.js';
import { policyDrift, templatePolicyFor } from '../policy/policy-drift.js';
import { partitionOf } from '../../providers/registry.js';
import { recordColumns } from '../keys/key-metadata.js';
import type { KmsService } from '../kms/kms.service.js';
import { chunks, mapLimit } from '../jobs/concurrency.js';
import { creatorAsStored, creatorCheck, type CreatorNow } from '../jobs/creator-check.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import { UnitStopped, type UnitContext, type UnitRunner } from '../jobs/job-workers.js';
import type { SyncedKey, SyncRecordRepository, SyncScope } from './sync.repository.js';
import { NO_EVENTS, publishKeyChange, type EventSink } from '../notifications/webhook-events.js';

/** The unit of a sync job: one KMS account in one region. */
export interface SyncUnitPayload {
  kmsId: string;
  region: string;
}

export interface SyncRunnerOptions {
  /** Keys read from the provider at once per region (DescribeKey and the calls after it). */
  concurrency: number;
  /** Records per INSERT … ON CONFLICT statement. */
  batchSize: number;
  /** ListKeys page size (1..1000; AWS's maximum, 1000, unless set). */
  pageSize?: number;
  /** Age after which a `creating` reservation with no tagged key in AWS is marked failed (see KeyService). */
  reservationGraceMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Progress = {
  keys_seen: number;
  created: number;
  adopted: number;
  updated: number;
  gone: number;
  failed: number;
  errors: number;
};

const isNotFound = (err: unknown) => err instanceof AppError && err.awsName === 'NotFoundException';
/**
 * Synchronises the records of one (KMS account, region) with AWS: pages through ListKeys,
 * reads each key (DescribeKey, policy, tags, rotation; aliases listed once per region)
 * with bounded parallelism, stores each page in batched upserts, then marks records whose
 * key AWS no longer has as `gone` (each confirmed by DescribeKey, so a key created while
 * the sync ran is never marked). Stops at the next page when the job is cancelled, or when
 * its creator was revoked (deleted, disabled, or without write rights any more).
 */
export class SyncRunner implements UnitRunner {
  constructor(
    private readonly kms: KmsService,
    private readonly records: SyncRecordRepository,
    private readonly options: SyncRunnerOptions,
    /** The policy templates of a KMS account, to tell whether each linked key's policy drifted. */
    private readonly templatesOf: (account: string, kmsId: string) => Promise<PolicyTemplateRecord[]>,
    /** The job's creator as they are now: revoking a user stops their synchronizations at the next page. */
    private readonly creatorNow: CreatorNow = creatorAsStored,
    /** Where the changes a sync finds (state changed, drift appeared, key gone) are published as events. */
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const { kmsId, region } = ctx.unit.payload as SyncUnitPayload;
    const progress: Progress = { keys_seen: 0, created: 0, adopted: 0, updated: 0, gone: 0, failed: 0, errors: 0 };
    const principal = ctx.unit.principal as Principal;
    const kms = await this.kms.find(principal, kmsId).catch(() => null);
    if (!kms) return { status: 'failed', message: 'failed: the KMS account no longer exists', progress };
    const { provider, connection } = await this.kms.provider(kms, region);
    const scope: SyncScope = { account: ctx.unit.account, kmsId, region, cloudName: connection.cloudName };
    const aliases = await aliasesByKey(provider);
    const templates = new Map((await this.templatesOf(ctx.unit.account, kmsId)).map((t) => [t.id, t]));
    const drift: DriftCheck = { templates, accountId: kms.awsAccountId, partition: partitionOf(connection.cloudName) };
    const seen: string[] = [];
    const listingStarted = Date.now();
    let firstError: string | undefined;
    const creator = creatorCheck(this.creatorNow, principal, (p) =>
      this.kms.acls.permitted(p, kms.id, 'keysynchronize').catch(() => false),
    );
    // The creator is checked before each page is read, so a revoked creator stops the listing.
    const stopped = (): UnitOutcome => ({
      status: 'failed',
      message: `stopped after ${seen.length} keys: the job's creator was deleted, disabled or lost the right to change keys`,
      progress,
    });
    if (!(await creator())) return stopped();
    for await (const listed of paginate(provider, 'ListKeys', { Limit: this.options.pageSize ?? 1000 })) {
      const ids = [...new Set((listed.Keys ?? []).map((k) => k.KeyId).filter((id): id is string => !!id))];
      const read = await mapLimit(ids, this.options.concurrency, (id) => readKey(provider, id, aliases, drift));
      const keys: SyncedKey[] = [];
      read.forEach((r, i) => {
        if (r.kind === 'gone') return;
        seen.push(ids[i]!);
        if (r.kind === 'key') keys.push(r.key);
        else {
          progress.errors++;
          firstError ??= `${ids[i]}: ${r.reason}`;
        }
      });
      for (const batch of chunks(keys, this.options.batchSize)) {
        const counts = await this.records.upsert(scope, batch);
        // Named by the unit and the record's new state: a retried unit queues each event once.
        for (const { before, after } of counts.changes)
          publishKeyChange(
            this.events,
            before,
            after,
            `sync ${ctx.unit.jobId}/${ctx.unit.seq} ${after.id} ${after.keyState} ${after.policyDrift}`,
          );
        progress.created += counts.created;
        progress.adopted += counts.adopted;
        progress.updated += counts.updated;
      }
      progress.keys_seen = seen.length;
      const signal = await ctx.checkpoint(progress, `in progress: ${seen.length} keys read`);
      if (signal === 'stop') throw new UnitStopped();
      if (signal === 'cancel') return { status: 'cancelled', message: `cancelled after ${seen.length} keys`, progress };
      if (listed.Truncated && !(await creator())) return stopped();
    }
    progress.gone = await this.markGone(provider, scope, seen);
    // Every key of the region was listed and read: a reservation still unclaimed has no key in AWS.
    // Unsure when a key could not be read (it may be the one tagged); judged on a later sync then.
    if (!progress.errors) progress.failed = await this.failUnclaimed(scope, listingStarted, region);
    const summary = `${seen.length} keys (${progress.created} created, ${progress.adopted} adopted, ${progress.updated} updated, ${progress.gone} gone${progress.failed ? `, ${progress.failed} reservations failed` : ''})`;
    if (progress.errors) {
      return {
        status: 'failed',
        message: `failed: ${progress.errors} of ${summary} could not be read; first: ${firstError}`,
        progress,
      };
    }
    return { status: 'completed', message: `completed: ${summary}`, progress };
  }

  /**
   * Marks failed the scope's reservations no listed key claimed that were made before the
   * listing started by more than the provider time budget: a create in flight at the time
   * would have finished (or given up) before the listing began.
   */
  private failUnclaimed(scope: SyncScope, listingStarted: number, region: string): Promise<number> {
    const olderThanMs =
      (this.options.reservationGraceMs ?? DEFAULT_RESERVATION_GRACE_MS) + (Date.now() - listingStarted);
    return this.records.failUnclaimed(scope, olderThanMs, noKeyForReservation('{id}', region));
  }

  /** Marks gone the records whose key was not listed and that DescribeKey confirms AWS no longer has. */
  private async markGone(provider: KmsProvider, scope: SyncScope, seen: string[]): Promise<number> {
    const unseen = await this.records.unseen(scope, seen);
    const gone = await mapLimit(unseen, this.options.concurrency, async (r) => {
      try {
        await provider.kms('DescribeKey', { KeyId: r.kmsKeyId });
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return r.id;
        throw err;
      }
    });
    return this.records.markGone(gone.filter((id): id is string => !!id));
  }
}

type ReadResult = { kind: 'key'; key: SyncedKey } | { kind: 'gone' } | { kind: 'error'; reason: string };

/** What a sync needs to evaluate template drift: the KMS account's templates by id, and its policy context. */
interface DriftCheck {
  templates: Map<string, PolicyTemplateRecord>;
  accountId: string;
  partition: string;
}

/** Reads one key; a key deleted since ListKeys is `gone`, any other failure an error of this key only. */
async function readKey(
  provider: KmsProvider,
  keyId: string,
  aliases: Map<string, string[]>,
  drift: DriftCheck,
): Promise<ReadResult> {
  try {
    const facts = await readKeyFacts(provider, keyId, { aliases: aliases.get(keyId) ?? [] });
    const { gone: _g, syncedAt: _s, status: _st, lastError: _l, ...columns } = recordColumns(facts);
    const tag = (name: string) => facts.tags.find((t) => t.TagKey === name)?.TagValue ?? null;
    const recordTag = tag(RECORD_TAG);
    const templateTag = tag(TEMPLATE_TAG);
    // The record links the template its tag names (in SQL); drift is judged against that same template.
    const template = templateTag ? drift.templates.get(templateTag) : undefined;
    const policyContext = {
      accountId: drift.accountId,
      partition: drift.partition,
      keyUsage: facts.metadata.KeyUsage ?? 'ENCRYPT_DECRYPT',
      keySpec: facts.metadata.KeySpec ?? 'SYMMETRIC_DEFAULT',
    };
    return {
      kind: 'key',
      key: {
        newId: randomUUID(),
        recordTag: recordTag && UUID.test(recordTag) ? recordTag.toLowerCase() : null,
        templateTag,
        columns: {
          ...(columns as Omit<SyncedKey['columns'], 'policyDrift'>),
          policyDrift: template ? policyDrift(templatePolicyFor(template, policyContext), facts.policy) : false,
        },
      },
    };
  } catch (err) {
    if (isNotFound(err)) return { kind: 'gone' };
    return { kind: 'error', reason: failureReason(err) };
  }
}

/** Every alias of the region (ListAliases once, not per key), by target key id, sorted. */
async function aliasesByKey(provider: KmsProvider): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const a of paginateItems(provider, 'ListAliases', { Limit: 100 })) {
    if (!a.TargetKeyId || !a.AliasName) continue;
    out.set(a.TargetKeyId, [...(out.get(a.TargetKeyId) ?? []), a.AliasName]);
  }
  for (const list of out.values()) list.sort();
  return out;
}
