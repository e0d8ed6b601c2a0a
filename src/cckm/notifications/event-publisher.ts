import { randomUUID } from 'node:crypto';
import type { JobLogger } from '../jobs/job-workers.js';
import type { EventSink, WebhookEventType } from './webhook-events.js';
import type { PublishedEvent, WebhookRepository } from './webhook.repository.js';

/** Events waiting for the database; beyond this an event is dropped and logged (memory stays bounded in an outage). */
const MAX_WAITING = 10_000;
/** Events written by one statement at most. */
const MAX_BATCH = 500;
/** Tries to queue one batch, with a growing pause between them (0.2 s, 0.8 s, 3.2 s). */
const WRITE_ATTEMPTS = 4;

/**
 * The event publisher: turns events into delivery rows (every enabled webhook of the
 * account subscribed to the type) right after the change that caused them, without the
 * caller waiting, then wakes the delivery workers. Events are group-committed, as the audit
 * trail is: one event alone is written at once, and the events published while a write is in
 * flight go together in the next statement, so concurrent requests share one round trip. A
 * database that refuses a batch is retried a few times; an event still not queued is logged
 * with its type and id.
 */
export class EventPublisher implements EventSink {
  private waiting: PublishedEvent[] = [];
  /** Events taken by the write in flight. */
  private writingCount = 0;
  private writing: Promise<void> | undefined;

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
    if (this.waiting.length + this.writingCount >= MAX_WAITING) {
      this.log.error(
        { eventId: id, eventType: type },
        'webhook event dropped: too many events waiting for the database',
      );
      return;
    }
    this.waiting.push(event);
    this.writing ??= this.drain();
  }

  /** Waits for the events published so far to be queued (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes batches until none is waiting; one runs at a time. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        this.writingCount = batch.length;
        await this.write(batch);
      }
    } finally {
      this.writingCount = 0;
      this.writing = undefined;
    }
  }

  private async write(batch: PublishedEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await this.repo.enqueue(batch)) > 0) this.onQueued();
        return;
      } catch (err) {
        if (attempt >= WRITE_ATTEMPTS) {
          for (const event of batch)
            this.log.error({ err, eventId: event.id, eventType: event.type }, 'webhook event could not be queued');
          return;
        }
        await new Promise((r) => setTimeout(r, this.pauseMs * 4 ** (attempt - 1)).unref());
      }
    }
  }
}
