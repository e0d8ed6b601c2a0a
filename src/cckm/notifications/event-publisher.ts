import { randomUUID } from 'node:crypto';
import type { JobLogger } from '../jobs/job-workers.js';
import type { EventSink, WebhookEventType } from './webhook-events.js';
import type { PublishedEvent, WebhookRepository } from './webhook.repository.js';

/** Events being written at once; beyond this an event is dropped and logged (memory stays bounded in an outage). */
const MAX_IN_FLIGHT = 10_000;
/** Tries to queue one event, with a growing pause between them (0.2 s, 0.8 s, 3.2 s). */
const WRITE_ATTEMPTS = 4;

/**
 * The event publisher: turns an event into delivery rows (one statement: every enabled
 * webhook of the account subscribed to the type) right after the change that caused it,
 * without the caller waiting, then wakes the delivery workers. A database that refuses the
 * write is retried a few times; an event still not queued is logged with its type and id.
 */
export class EventPublisher implements EventSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly repo: Pick<WebhookRepository, 'enqueue'>,
    private readonly log: JobLogger,
    /** Called once deliveries were queued (wakes this instance's delivery workers). */
    private readonly onQueued: () => void = () => {},
    private readonly pauseMs = 200,
  ) {}

  publish(account: string, type: WebhookEventType, data: Record<string, unknown>, eventId?: string): void {
    const id = eventId ?? randomUUID();
    const event: PublishedEvent = {
      id,
      account,
      type,
      payload: { id, type, created_at: new Date().toISOString(), data },
    };
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.log.error(
        { eventId: id, eventType: type },
        'webhook event dropped: too many events waiting for the database',
      );
      return;
    }
    const p: Promise<void> = this.write(event).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for the events published so far to be queued (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async write(event: PublishedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await this.repo.enqueue(event)) > 0) this.onQueued();
        return;
      } catch (err) {
        if (attempt >= WRITE_ATTEMPTS) {
          this.log.error({ err, eventId: event.id, eventType: event.type }, 'webhook event could not be queued');
          return;
        }
        await new Promise((r) => setTimeout(r, this.pauseMs * 4 ** (attempt - 1)).unref());
      }
    }
  }
}
