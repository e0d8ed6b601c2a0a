import { ownership } from '../../auth/principal.js';
import type { CreatedWebhook } from '../../cckm/notifications/webhook.service.js';
import type { DeliveryRecord, WebhookRecord } from '../../cckm/notifications/webhook.repository.js';

type Json = Record<string, unknown>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A webhook subscription. Never its secret: only {@link createdWebhook} carries it, once. */
export function webhook(w: WebhookRecord): Json {
  const o = ownership(w.account);
  return {
    id: w.id,
    uri: `kylo:kylo:cckm:webhook:${w.id}`,
    account: o.account,
    application: o.application,
    devAccount: o.devAccount,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
    url: w.url,
    description: w.description,
    events: w.events,
    disabled: w.disabled,
    created_by: w.createdBy,
  };
}

/** The answer of `POST /webhooks`: the subscription and its signing secret, shown this once. */
export function createdWebhook(c: CreatedWebhook): Json {
  return { ...webhook(c.webhook), secret: c.secret };
}

/** One delivery: status, attempts and what the receiver last answered (a bounded excerpt). */
export function webhookDelivery(d: DeliveryRecord): Json {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    response_code: d.responseCode,
    response_excerpt: d.responseExcerpt,
    last_error: d.lastError,
    event: d.payload,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    finished_at: iso(d.finishedAt),
  };
}
