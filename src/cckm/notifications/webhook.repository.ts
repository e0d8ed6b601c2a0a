import type { ListQuery } from '../common/list.js';
import type { WebhookEventType } from './webhook-event-types.js';

/** A webhook subscription as the API shows it: never its secret. */
export interface WebhookRecord {
  id: string;
  account: string;
  url: string;
  description: string | null;
  events: string[];
  disabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored subscription: the record and its secret, sealed with SecretBox. */
export interface WebhookRow extends WebhookRecord {
  sealedSecret: Uint8Array;
}

export type NewWebhook = Omit<WebhookRow, 'createdAt' | 'updatedAt'>;

export type WebhookChanges = Partial<Pick<WebhookRow, 'url' | 'description' | 'events' | 'disabled' | 'sealedSecret'>>;

/** pending (due at `nextAttemptAt`), running (leased), then delivered, failed (attempts exhausted) or cancelled. */
type DeliveryStatus = 'pending' | 'running' | 'delivered' | 'failed' | 'cancelled';

/** One event for one webhook, with what its attempts met. No secret is ever stored here. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  account: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  responseCode: number | null;
  /** At most {@link RESPONSE_EXCERPT_CHARS} characters of the receiver's last answer. */
  responseExcerpt: string | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A delivery a worker holds, with its webhook's target and sealed secret. */
export interface ClaimedDelivery extends DeliveryRecord {
  url: string;
  sealedSecret: Uint8Array;
  webhookDisabled: boolean;
}

/** Kept of a receiver's answer, and of an error text. */
export const RESPONSE_EXCERPT_CHARS = 256;

/** What one attempt ended with. `retryInMs` set: pending again after that long; else final. */
export interface AttemptOutcome {
  status: 'delivered' | 'pending' | 'failed' | 'cancelled';
  responseCode: number | null;
  responseExcerpt: string | null;
  lastError: string | null;
  retryInMs?: number;
}

/** An event as published: the same id for every subscription it reaches. */
export interface PublishedEvent {
  id: string;
  account: string;
  type: WebhookEventType;
  /** The JSON body receivers get (id, type, created_at, data). */
  payload: unknown;
}

export interface DeliveryFilter {
  statuses?: string[];
  eventType?: string;
}

/** A key whose imported material expires soon (for key.material_expiring). */
export interface ExpiringKey {
  keyId: string;
  account: string;
  validTo: Date;
}

/**
 * Subscriptions and the delivery queue (PostgreSQL). Subscription methods are scoped to one
 * account; queue methods are each one statement, so instances never see half a change.
 */
export interface WebhookRepository {
  create(w: NewWebhook): Promise<WebhookRow>;
  find(account: string, id: string): Promise<WebhookRow | null>;
  list(account: string, q: ListQuery): Promise<{ total: number; rows: WebhookRow[] }>;
  /** null when the webhook is not in the account. */
  update(account: string, id: string, changes: WebhookChanges): Promise<WebhookRow | null>;
  /** Deletes it with its deliveries; false when it is not in the account. */
  delete(account: string, id: string): Promise<boolean>;
  /** Webhooks in the account, for the `total` a quota needs. */
  count(account: string): Promise<number>;

  /**
   * Inserts, in one statement, one pending delivery per event and enabled webhook of the
   * event's account subscribed to its type (once per webhook and event id); returns how many
   * were inserted.
   */
  enqueue(events: readonly PublishedEvent[]): Promise<number>;
  /** Claims one due delivery (pending and due, or running with an expired lease) for `owner`. */
  claim(owner: string, leaseMs: number): Promise<ClaimedDelivery | null>;
  /** Stores an attempt's outcome while `owner` still holds the delivery. */
  settle(id: string, owner: string, outcome: AttemptOutcome): Promise<void>;
  /** A webhook's deliveries, newest first by default. */
  deliveries(
    account: string,
    webhookId: string,
    filter: DeliveryFilter,
    q: ListQuery,
  ): Promise<{ total: number; rows: DeliveryRecord[] }>;
  /** Deletes up to `batch` finished deliveries older than `days`; returns how many. */
  pruneDeliveries(days: number, batch: number): Promise<number>;

  /**
   * Keys (not gone) whose imported material's ValidTo is within `days` from now and still
   * ahead, not yet noticed for that ValidTo; each is recorded as noticed by the same statement,
   * so one instance gets it. Notices whose ValidTo has passed are pruned.
   */
  claimExpiring(days: number, batch: number): Promise<ExpiringKey[]>;
  /** The final status of a job, when it has one (job.completed / job.failed). */
  jobOutcome(
    jobId: string,
  ): Promise<{ account: string; kind: string; status: string; jobConfigId: string | null } | null>;
}
