import { randomUUID } from 'node:crypto';
import { assertCanWrite, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { LimitExceededError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { ListQuery, Page } from '../common/list.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';
import { isWebhookEventType } from './webhook-events.js';
import { checkWebhookSecret, generateWebhookSecret, webhookSecretPurpose } from './webhook-secret.js';
import type { WebhookTargetPolicy } from './webhook-target.js';
import type {
  DeliveryFilter,
  DeliveryRecord,
  WebhookChanges,
  WebhookRecord,
  WebhookRepository,
  WebhookRow,
} from './webhook.repository.js';

/** Webhooks one account may have. */
const MAX_WEBHOOKS_PER_ACCOUNT = 50;
const MAX_DESCRIPTION = 256;
const FIELDS = ['url', 'secret', 'events', 'disabled', 'description'];
const DELIVERY_STATUSES = ['pending', 'running', 'delivered', 'failed', 'cancelled'];

/** What `POST /webhooks` accepts; `PATCH` takes any of them. */
export interface WebhookInput {
  url?: unknown;
  secret?: unknown;
  events?: unknown;
  disabled?: unknown;
  description?: unknown;
}

/** A webhook just created: the record and, only now, its secret. */
export interface CreatedWebhook {
  webhook: WebhookRecord;
  secret: string;
}

function record(row: WebhookRow): WebhookRecord {
  const { sealedSecret: _sealed, ...rest } = row;
  return rest;
}

/** `events`: distinct known event types, at least one. @throws ValidationError naming `events` */
function eventsOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > WEBHOOK_EVENT_TYPES.length)
    throw ValidationError.field('events', `must be an array of 1 to ${WEBHOOK_EVENT_TYPES.length} event types`);
  const out: string[] = [];
  value.forEach((e, i) => {
    if (!isWebhookEventType(e))
      throw ValidationError.field(`events[${i}]`, `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    if (out.includes(e)) throw ValidationError.field(`events[${i}]`, `lists ${e} twice`);
    out.push(e);
  });
  return out;
}

/**
 * Webhook subscriptions of an account (`/cckm/notifications/webhooks`) and their
 * deliveries. Managed by admin and cckm_admins only: a webhook sends the account's events
 * out of the server. URLs are checked against the target policy (addresses resolved now,
 * again at each delivery); the secret is sealed at rest and answered only by the create that
 * generated or received it.
 */
export class WebhookService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly box: SecretBox,
    private readonly policy: WebhookTargetPolicy,
  ) {}

  /**
   * @throws ForbiddenError; ValidationError naming the field (a refused target names `url`); LimitExceededError beyond
   *   {@link MAX_WEBHOOKS_PER_ACCOUNT}
   */
  async create(p: Principal, input: WebhookInput): Promise<CreatedWebhook> {
    assertCanWrite(p);
    const body = this.fields(input);
    if (body.url === undefined) throw ValidationError.field('url', 'is required');
    if (body.events === undefined) throw ValidationError.field('events', 'is required');
    const url = await this.checkUrl(body.url);
    const events = eventsOf(body.events);
    const secret = body.secret === undefined ? generateWebhookSecret() : checkWebhookSecret(body.secret);
    if ((await this.repo.count(p.account)) >= MAX_WEBHOOKS_PER_ACCOUNT)
      throw new LimitExceededError(`An account may have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks`);
    const id = randomUUID();
    const row = await this.repo.create({
      id,
      account: p.account,
      url,
      description: this.description(body.description) || null,
      events,
      disabled: this.disabled(body.disabled) ?? false,
      sealedSecret: this.box.seal(secret, webhookSecretPurpose(p.account, id)),
      createdBy: p.username,
    });
    return { webhook: record(row), secret };
  }

  async get(p: Principal, id: string): Promise<WebhookRecord> {
    assertCanWrite(p);
    return record(await this.row(p, id));
  }

  async list(p: Principal, q: ListQuery): Promise<Page<WebhookRecord>> {
    assertCanWrite(p);
    const { total, rows } = await this.repo.list(p.account, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows.map(record) };
  }

  /** Changes the given fields; a new `secret` replaces the old one (not answered back). @throws NotFoundError; ValidationError */
  async update(p: Principal, id: string, input: WebhookInput): Promise<WebhookRecord> {
    assertCanWrite(p);
    const body = this.fields(input);
    await this.row(p, id);
    const changes: WebhookChanges = {};
    if (body.url !== undefined) changes.url = await this.checkUrl(body.url);
    if (body.events !== undefined) changes.events = eventsOf(body.events);
    const disabled = this.disabled(body.disabled);
    if (disabled !== undefined) changes.disabled = disabled;
    if (body.description !== undefined) changes.description = this.description(body.description) || null;
    if (body.secret !== undefined)
      changes.sealedSecret = this.box.seal(checkWebhookSecret(body.secret), webhookSecretPurpose(p.account, id));
    const updated = await this.repo.update(p.account, id, changes);
    if (!updated) throw new NotFoundError(`Webhook ${id} not found`);
    return record(updated);
  }

  /** Deletes the webhook and its deliveries; pending ones are never sent. @throws NotFoundError */
  async delete(p: Principal, id: string): Promise<void> {
    assertCanWrite(p);
    if (!(await this.repo.delete(p.account, id))) throw new NotFoundError(`Webhook ${id} not found`);
  }

  /** The webhook's deliveries (`status` and `event_type` filters). @throws NotFoundError; ValidationError */
  async deliveries(p: Principal, id: string, filter: DeliveryFilter, q: ListQuery): Promise<Page<DeliveryRecord>> {
    assertCanWrite(p);
    await this.row(p, id);
    for (const s of filter.statuses ?? [])
      if (!DELIVERY_STATUSES.includes(s))
        throw ValidationError.field('status', `must be one of ${DELIVERY_STATUSES.join(', ')}`);
    if (filter.eventType !== undefined && !isWebhookEventType(filter.eventType))
      throw ValidationError.field('event_type', `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    const { total, rows } = await this.repo.deliveries(p.account, id, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  private async row(p: Principal, id: string): Promise<WebhookRow> {
    const row = await this.repo.find(p.account, id);
    if (!row) throw new NotFoundError(`Webhook ${id} not found`);
    return row;
  }

  private fields(input: WebhookInput): WebhookInput {
    const body = (input ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(body))
      if (!FIELDS.includes(k)) throw ValidationError.field(k, 'is not a field of a webhook');
    return body;
  }

  private async checkUrl(value: unknown): Promise<string> {
    if (typeof value !== 'string') throw ValidationError.field('url', 'must be a string');
    const target = await this.policy.resolve(value);
    if ('refused' in target) throw ValidationError.field('url', target.refused);
    return value;
  }

  private disabled(value: unknown): boolean | undefined {
    if (value !== undefined && typeof value !== 'boolean')
      throw ValidationError.field('disabled', 'must be true or false');
    return value;
  }

  private description(value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.length > MAX_DESCRIPTION)
      throw ValidationError.field('description', `must be a string of at most ${MAX_DESCRIPTION} characters`);
    return value;
  }
}
