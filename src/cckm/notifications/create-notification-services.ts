import type { SecretBox } from '../../auth/secret-box.js';
import type { JobLogger } from '../jobs/job-workers.js';
import { Periodic } from '../jobs/periodic.js';
import type { KeyRepository } from '../keys/key.repository.js';
import { DeliveryWorkers, type DeliveryOptions } from './delivery-workers.js';
import { EventPublisher } from './event-publisher.js';
import { noticeExpiringMaterial } from './expiry-watch.js';
import { httpWebhookSend, type WebhookSend } from './webhook-sender.js';
import { WebhookTargetPolicy, type Resolver } from './webhook-target.js';
import { WebhookService } from './webhook.service.js';
import type { WebhookRepository } from './webhook.repository.js';

/** Settings of webhooks (config: CCKM_WEBHOOK_*). */
export interface NotificationOptions extends DeliveryOptions {
  allowPrivate: boolean;
  allow: readonly string[];
  /** key.material_expiring is published this many days before a key's ValidTo. */
  expiryWarningDays: number;
  /** How often each instance looks for expiring material (ms, 0 = never). */
  expiryCheckMs: number;
  /** Finished deliveries are deleted this many days after they finished (0 keeps them). */
  retentionDays: number;
  /** Seams for tests: DNS and the HTTP client. */
  resolver?: Resolver;
  send?: WebhookSend;
}

const DEFAULT_NOTIFICATION_OPTIONS: NotificationOptions = {
  allowPrivate: false,
  allow: [],
  concurrency: 2,
  maxAttempts: 8,
  backoffMs: 10_000,
  pollMs: 1000,
  timeoutMs: 5000,
  expiryWarningDays: 30,
  expiryCheckMs: 3_600_000,
  retentionDays: 30,
};

/** Finished deliveries deleted per statement while pruning. */
const PRUNE_BATCH = 500;

export interface NotificationServices {
  webhooks: WebhookService;
  /** The event publisher the services that cause events are given. */
  events: EventPublisher;
  /** Delivery workers, expiry check and delivery retention: started and stopped with the job workers. */
  housekeeping: { start(): void; stop(): Promise<void> }[];
}

/** Wires webhook subscriptions, the event publisher and the delivery workers. */
export function createNotificationServices(
  repos: { webhooks: WebhookRepository; keys: KeyRepository },
  box: SecretBox,
  o: NotificationOptions = DEFAULT_NOTIFICATION_OPTIONS,
  log: JobLogger = { warn: () => {}, error: () => {} },
): NotificationServices {
  const policy = new WebhookTargetPolicy({
    allowPrivate: o.allowPrivate,
    allow: o.allow,
    ...(o.resolver ? { resolver: o.resolver } : {}),
  });
  const workers = new DeliveryWorkers(repos.webhooks, box, policy, o.send ?? httpWebhookSend(o.timeoutMs), o, log);
  const events = new EventPublisher(repos.webhooks, log, () => workers.wake());
  const expiry = new Periodic(
    'webhook material expiry check',
    o.expiryCheckMs,
    () => noticeExpiringMaterial(repos.webhooks, repos.keys, events, o.expiryWarningDays),
    log,
  );
  const retention = new Periodic(
    'webhook delivery retention',
    o.retentionDays > 0 ? 3_600_000 : 0,
    async () => {
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH;)
        n = await repos.webhooks.pruneDeliveries(o.retentionDays, PRUNE_BATCH);
    },
    log,
  );
  const flushOnStop = { start: () => {}, stop: () => events.flush() };
  return {
    webhooks: new WebhookService(repos.webhooks, box, policy),
    events,
    housekeeping: [flushOnStop, workers, expiry, retention],
  };
}
