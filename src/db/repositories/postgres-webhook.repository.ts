import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  DeliveryFilter,
  DeliveryRecord,
  ExpiringKey,
  NewWebhook,
  PublishedEvent,
  WebhookChanges,
  WebhookRepository,
  WebhookRow,
} from '../../cckm/notifications/webhook.repository.js';
import { jsonb, jsonText, now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import { countOf, listPage } from './list-page.js';

const SORT = { fields: ['createdAt', 'updatedAt', 'url', 'id'], fallback: 'createdAt', id: 'id' } as const;
const DELIVERY_SORT = { fields: ['createdAt', 'updatedAt', 'id'], fallback: 'createdAt', id: 'id' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An ISO-8601 instant as AWS times are stored in aws_param (anything else is never cast). */
const ISO_TIME = String.raw`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`;

/** A key's ValidTo from its aws_param document, as text. */
const awsValidTo = (eb: ExpressionBuilder<DB, 'awsKeys'>) => jsonText(eb.ref('awsKeys.awsParam'), 'ValidTo');

type DeliveryRow = Omit<DeliveryRecord, 'status'> & { status: string; leaseOwner?: unknown; leaseUntil?: unknown };

function toDelivery(r: DeliveryRow): DeliveryRecord {
  const { leaseOwner: _o, leaseUntil: _u, ...rest } = r;
  return { ...rest, status: rest.status as DeliveryRecord['status'] };
}

/**
 * Webhook subscriptions (`webhooks`) and the delivery queue (`webhook_deliveries`).
 * Subscriptions are always filtered by account; claims use FOR UPDATE SKIP LOCKED with
 * leases by the database clock, as the job queue's do.
 */
export class PostgresWebhookRepository implements WebhookRepository {
  constructor(private readonly db: Kysely<DB>) {}

  create(w: NewWebhook): Promise<WebhookRow> {
    return guard('Webhook', () =>
      this.db
        .insertInto('webhooks')
        .values({ ...w, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow()
        .then((r) => ({ ...r, events: r.events ?? [] })),
    );
  }

  find(account: string, id: string): Promise<WebhookRow | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return guard('Webhook', async () => {
      const r = await this.db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', id)
        .where('account', '=', account)
        .executeTakeFirst();
      return r ? { ...r, events: r.events ?? [] } : null;
    });
  }

  list(account: string, q: ListQuery): Promise<{ total: number; rows: WebhookRow[] }> {
    return guard('Webhook', async () => {
      const page = await listPage(this.db.selectFrom('webhooks').where('account', '=', account), q, SORT);
      return { total: page.total, rows: page.rows.map((r) => ({ ...r, events: r.events ?? [] })) };
    });
  }

  count(account: string): Promise<number> {
    return guard('Webhook', () => countOf(this.db.selectFrom('webhooks').where('account', '=', account)));
  }

  update(account: string, id: string, changes: WebhookChanges): Promise<WebhookRow | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return guard('Webhook', async () => {
      const r = await this.db
        .updateTable('webhooks')
        .set({ ...changes, updatedAt: now() })
        .where('id', '=', id)
        .where('account', '=', account)
        .returningAll()
        .executeTakeFirst();
      return r ? { ...r, events: r.events ?? [] } : null;
    });
  }

  delete(account: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return Promise.resolve(false);
    return guard('Webhook', async () => {
      const { numDeletedRows } = await this.db
        .deleteFrom('webhooks')
        .where('id', '=', id)
        .where('account', '=', account)
        .executeTakeFirst();
      return numDeletedRows > 0n;
    });
  }

  enqueue(events: readonly PublishedEvent[]): Promise<number> {
    if (!events.length) return Promise.resolve(0);
    // The events as rows (unnest of parallel arrays): one statement for a whole batch.
    const published = sql<{ eventId: string; eventAccount: string; eventType: string; payload: unknown }>`unnest(
      ${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.account)}::text[],
      ${events.map((e) => e.type)}::text[], ${events.map((e) => jsonb(e.payload))}::jsonb[])`.as<'e'>(
      sql`e(event_id, event_account, event_type, payload)`,
    );
    return guard('Webhook delivery', async () => {
      const r = await this.db
        .insertInto('webhookDeliveries')
        .columns(['id', 'webhookId', 'account', 'eventId', 'eventType', 'payload'])
        .expression((eb) =>
          eb
            .selectFrom(published)
            .innerJoin('webhooks', (join) =>
              join
                .onRef('webhooks.account', '=', 'e.eventAccount')
                .on('webhooks.disabled', '=', false)
                .on((eb) => eb('e.eventType', '=', eb.fn.any('webhooks.events'))),
            )
            .select([
              sql<string>`gen_random_uuid()`.as('id'),
              'webhooks.id as webhookId',
              'webhooks.account',
              'e.eventId',
              'e.eventType',
              'e.payload',
            ]),
        )
        .onConflict((oc) => oc.columns(['webhookId', 'eventId']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n);
    });
  }

  /**
   * A due pending delivery first, else one whose lease expired (its instance died mid-attempt):
   * two lookups by the (status, next_attempt_at) index, never a scan of the delivered history.
   */
  async claim(owner: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const r = await this.db
      .updateTable('webhookDeliveries as d')
      .from('webhooks as w')
      .set((eb) => ({
        status: 'running',
        leaseOwner: owner,
        leaseUntil: sql<Date>`now() + make_interval(secs => ${leaseMs / 1000})`,
        attempts: eb('d.attempts', '+', 1),
        updatedAt: now(),
      }))
      .where((eb) =>
        eb(
          'd.id',
          '=',
          eb.fn.coalesce(
            eb
              .selectFrom('webhookDeliveries')
              .select('webhookDeliveries.id')
              .where('webhookDeliveries.status', '=', 'pending')
              .where('webhookDeliveries.nextAttemptAt', '<=', now())
              .orderBy('webhookDeliveries.nextAttemptAt')
              .limit(1)
              .forUpdate()
              .skipLocked(),
            eb
              .selectFrom('webhookDeliveries')
              .select('webhookDeliveries.id')
              .where('webhookDeliveries.status', '=', 'running')
              .where('webhookDeliveries.leaseUntil', '<', now())
              .limit(1)
              .forUpdate()
              .skipLocked(),
          ),
        ),
      )
      .whereRef('w.id', '=', 'd.webhookId')
      .returningAll('d')
      .returning(['w.url', 'w.sealedSecret', 'w.disabled as webhookDisabled'])
      .executeTakeFirst();
    if (!r) return null;
    const { url, sealedSecret, webhookDisabled, ...delivery } = r;
    return { ...toDelivery(delivery), url, sealedSecret, webhookDisabled };
  }

  async settle(id: string, owner: string, o: AttemptOutcome): Promise<void> {
    await this.db
      .updateTable('webhookDeliveries')
      .set({
        status: o.status,
        responseCode: o.responseCode,
        responseExcerpt: o.responseExcerpt,
        lastError: o.lastError,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now(),
        ...(o.status === 'pending'
          ? { nextAttemptAt: sql<Date>`now() + make_interval(secs => ${(o.retryInMs ?? 0) / 1000})` }
          : { finishedAt: now() }),
      })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .where('status', '=', 'running')
      .execute();
  }

  deliveries(
    account: string,
    webhookId: string,
    f: DeliveryFilter,
    q: ListQuery,
  ): Promise<{ total: number; rows: DeliveryRecord[] }> {
    let filtered = this.db
      .selectFrom('webhookDeliveries')
      .where('account', '=', account)
      .where('webhookId', '=', webhookId);
    if (f.statuses?.length) filtered = filtered.where('status', 'in', f.statuses);
    if (f.eventType !== undefined) filtered = filtered.where('eventType', '=', f.eventType);
    const sorted = q.sort ? q : { ...q, sort: { field: 'createdAt', desc: true } };
    return guard('Webhook delivery', async () => {
      const page = await listPage(filtered, sorted, DELIVERY_SORT);
      return { total: page.total, rows: page.rows.map((r) => toDelivery(r as DeliveryRow)) };
    });
  }

  async pruneDeliveries(days: number, batch: number): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('webhookDeliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhookDeliveries')
          .select('id')
          .where('status', 'in', ['delivered', 'failed', 'cancelled'])
          .where('finishedAt', '<', sql<Date>`now() - make_interval(days => ${days})`)
          .limit(batch),
      )
      .executeTakeFirst();
    return Number(numDeletedRows);
  }

  async claimExpiring(days: number, batch: number): Promise<ExpiringKey[]> {
    await this.db.deleteFrom('webhookExpiryNotices').where('validTo', '<', now()).execute();
    return this.db
      .with('due', (db) =>
        db
          .selectFrom('awsKeys')
          .select((eb) => ['awsKeys.id', 'awsKeys.account', eb.cast<Date>(awsValidTo(eb), 'timestamptz').as('validTo')])
          .where((eb) => eb.not(eb.ref('awsKeys.gone')))
          .where((eb) => eb(awsValidTo(eb), '~', ISO_TIME)),
      )
      .insertInto('webhookExpiryNotices')
      .columns(['keyId', 'account', 'validTo'])
      .expression((eb) =>
        eb
          .selectFrom('due')
          .select(['due.id', 'due.account', 'due.validTo'])
          .where('due.validTo', '>', now())
          .where('due.validTo', '<=', sql<Date>`now() + make_interval(days => ${days})`)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('webhookExpiryNotices as n')
                  .select(eb.lit(1).as('one'))
                  .whereRef('n.keyId', '=', 'due.id')
                  .whereRef('n.validTo', '=', 'due.validTo'),
              ),
            ),
          )
          .orderBy('due.validTo')
          .limit(batch),
      )
      .onConflict((oc) => oc.columns(['keyId', 'validTo']).doNothing())
      .returning(['keyId', 'account', 'validTo'])
      .execute();
  }

  async jobOutcome(
    jobId: string,
  ): Promise<{ account: string; kind: string; status: string; jobConfigId: string | null } | null> {
    const r = await this.db
      .selectFrom('jobs')
      .select(['account', 'kind', 'status', 'jobConfigId'])
      .where('id', '=', jobId)
      .executeTakeFirst();
    return r ?? null;
  }
}
