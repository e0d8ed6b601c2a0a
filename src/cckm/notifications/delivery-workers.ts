import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { SecretBox } from '../../auth/secret-box.js';
import type { JobLogger } from '../jobs/job-workers.js';
import { excerptOf, type WebhookSend } from './webhook-sender.js';
import type { WebhookTargetPolicy } from './webhook-target.js';
import { webhookSecretPurpose } from './webhook-secret.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookRepository } from './webhook.repository.js';

export interface DeliveryOptions {
  /** Concurrent deliveries in this instance (0: this instance delivers none). */
  concurrency: number;
  /** Attempts per delivery before it fails for good. */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles, up to {@link MAX_BACKOFF_MS}. */
  backoffMs: number;
  /** How often an idle worker looks for due deliveries. */
  pollMs: number;
  /** One attempt's time budget (connect, send, first bytes of the answer). */
  timeoutMs: number;
}

/** The longest pause between two attempts. */
export const MAX_BACKOFF_MS = 3_600_000;

/** The delay before attempt `attempts + 1`: backoff × 2^(attempts−1), capped, with up to 10 % jitter. */
export function backoffDelay(attempts: number, baseMs: number, random = Math.random): number {
  const plain = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(plain * (1 + random() * 0.1));
}

/**
 * The delivery workers of one instance: each loops claiming a due delivery (SKIP LOCKED,
 * under a lease longer than one attempt), re-checks its target (the URL's addresses now),
 * POSTs it signed, and stores the outcome: delivered on a 2xx; otherwise pending again after
 * an exponential backoff, or failed once the attempts are used up. Started and stopped with
 * the job workers.
 */
export class DeliveryWorkers {
  private readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private stopping = true;
  private loops: Promise<void>[] = [];
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly repo: WebhookRepository,
    private readonly box: SecretBox,
    private readonly policy: WebhookTargetPolicy,
    private readonly send: WebhookSend,
    private readonly options: DeliveryOptions,
    private readonly log: JobLogger,
  ) {}

  start(): void {
    if (this.loops.length || this.options.concurrency < 1) return;
    this.stopping = false;
    this.loops = Array.from({ length: this.options.concurrency }, (_, i) => this.loop(`${this.instanceId}/${i}`));
  }

  /** Wakes idle workers: deliveries were just queued here. */
  wake(): void {
    for (const w of this.idle) w();
  }

  /** Stops claiming and waits for the attempts in progress (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async loop(owner: string): Promise<void> {
    const leaseMs = this.options.timeoutMs + 30_000;
    while (!this.stopping) {
      let d: ClaimedDelivery | null = null;
      try {
        d = await this.repo.claim(owner, leaseMs);
      } catch (err) {
        this.log.warn({ err }, 'webhook delivery claim failed');
      }
      if (d) {
        const outcome = await this.attempt(d).catch((err: unknown): AttemptOutcome => {
          this.log.error({ err, deliveryId: d.id }, 'webhook delivery attempt failed');
          return this.retryOrFail(d, null, null, 'internal error (see the service log)');
        });
        await this.repo
          .settle(d.id, owner, outcome)
          .catch((err: unknown) =>
            this.log.error({ err, deliveryId: d.id }, 'webhook delivery outcome not stored; its lease will expire'),
          );
        continue;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.idle.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, this.options.pollMs);
        this.idle.add(wake);
      });
    }
  }

  /** One attempt of a claimed delivery (its `attempts` already counts this one). */
  private async attempt(d: ClaimedDelivery): Promise<AttemptOutcome> {
    if (d.webhookDisabled)
      return { status: 'cancelled', responseCode: null, responseExcerpt: null, lastError: 'the webhook is disabled' };
    if (d.attempts > this.options.maxAttempts)
      return this.retryOrFail(d, null, null, d.lastError ?? 'attempts exhausted');
    const target = await this.policy.resolve(d.url);
    if ('refused' in target) return this.retryOrFail(d, null, null, `target refused: ${target.refused}`);
    const response = await this.send({
      target,
      body: JSON.stringify(d.payload),
      secret: this.box.open(d.sealedSecret, webhookSecretPurpose(d.account, d.webhookId)),
      eventId: d.eventId,
      eventType: d.eventType,
      deliveryId: d.id,
      attempt: d.attempts,
    });
    const code = response.status ?? null;
    const excerpt = response.excerpt ?? null;
    if (code !== null && code >= 200 && code < 300)
      return { status: 'delivered', responseCode: code, responseExcerpt: excerpt, lastError: null };
    const error =
      response.error ??
      (code !== null && code >= 300 && code < 400
        ? `answered ${code}; redirects are not followed`
        : `answered ${code ?? 'nothing'}`);
    return this.retryOrFail(d, code, excerpt, error);
  }

  private retryOrFail(d: ClaimedDelivery, code: number | null, excerpt: string | null, error: string): AttemptOutcome {
    const lastError = excerptOf(error);
    if (d.attempts >= this.options.maxAttempts)
      return { status: 'failed', responseCode: code, responseExcerpt: excerpt, lastError };
    return {
      status: 'pending',
      responseCode: code,
      responseExcerpt: excerpt,
      lastError,
      retryInMs: backoffDelay(d.attempts, this.options.backoffMs),
    };
  }
}
