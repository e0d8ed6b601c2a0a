import { createHash } from 'node:crypto';
import type { KeyRecord } from '../common/records.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-event-types.js';

export type { WebhookEventType };

export const isWebhookEventType = (v: unknown): v is WebhookEventType =>
  typeof v === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(v);

/**
 * Where events go. `publish` never throws and never waits for the database: the event is
 * queued for its subscriptions right after the change that caused it, and a failure to queue
 * it is logged, never passed to the request that caused it. `eventId` makes publishing
 * idempotent (the same id reaches a webhook once), for events two instances may both see.
 */
export interface EventSink {
  publish(account: string, type: WebhookEventType, data: Record<string, unknown>, eventId?: string): void;
}

/** Publishes nothing (services built without notifications, unit tests). */
export const NO_EVENTS: EventSink = { publish: () => {} };

/** What key events are made from: these fields of a key record (a sync's changed rows carry just these). */
export type KeyEventFacts = Pick<
  KeyRecord,
  | 'id'
  | 'account'
  | 'kmsId'
  | 'region'
  | 'kmsKeyId'
  | 'arn'
  | 'keyState'
  | 'origin'
  | 'aliases'
  | 'gone'
  | 'policyDrift'
  | 'policyTemplateId'
  | 'awsParam'
>;

/** The part of a key record events carry: what identifies the key, never its policy. */
export function keyData(k: KeyEventFacts): Record<string, unknown> {
  return {
    id: k.id,
    kms_id: k.kmsId,
    region: k.region,
    key_id: k.kmsKeyId,
    arn: k.arn,
    key_state: k.keyState,
    origin: k.origin,
    aliases: k.aliases,
  };
}

/**
 * The key events a record change means, comparing the record before and after: state
 * changes (and entering PendingDeletion), policy drift appearing, the key vanishing from AWS.
 */
export function keyChangeEvents(
  before: KeyEventFacts,
  after: KeyEventFacts,
): { type: WebhookEventType; data: Record<string, unknown> }[] {
  const out: { type: WebhookEventType; data: Record<string, unknown> }[] = [];
  const key = keyData(after);
  if (after.gone && !before.gone) out.push({ type: 'key.deleted', data: { key } });
  if (before.keyState && after.keyState && before.keyState !== after.keyState) {
    out.push({ type: 'key.state_changed', data: { key, previous_key_state: before.keyState } });
    if (after.keyState === 'PendingDeletion') {
      const deletionDate = (after.awsParam as { DeletionDate?: unknown } | null)?.DeletionDate;
      out.push({
        type: 'key.pending_deletion',
        data: { key, ...(deletionDate !== undefined ? { deletion_date: deletionDate } : {}) },
      });
    }
  }
  if (after.policyDrift && !before.policyDrift)
    out.push({ type: 'key.policy_drift_detected', data: { key, policy_template_id: after.policyTemplateId } });
  return out;
}

/** Publishes the events of a key record change (see {@link keyChangeEvents}). */
export function publishKeyChange(
  events: EventSink,
  before: KeyEventFacts,
  after: KeyEventFacts,
  /** Names the change, so that publishing it again (a retried job unit) queues it once. */
  changeId?: string,
): void {
  for (const e of keyChangeEvents(before, after))
    events.publish(after.account, e.type, e.data, changeId ? derivedEventId(`${changeId} ${e.type}`) : undefined);
}

/** A UUID derived from `name` (SHA-256, version nibble 8): one event id for one fact, whoever publishes it. */
export function derivedEventId(name: string): string {
  const h = createHash('sha256').update(`opencckm-event:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
