import type { JobLogger } from './job-workers.js';

/**
 * A housekeeping task every instance runs on a timer (job retention, stale login
 * failures). Each run is one idempotent statement or a few, so instances running it at
 * the same time only share the work. Started and stopped with the job workers.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly log: JobLogger,
  ) {}

  start(): void {
    if (this.timer || this.everyMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
    // A first run soon after start, not a whole interval later.
    setTimeout(() => this.tick(), Math.min(this.everyMs, 5000)).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running || !this.timer) return;
    this.running = this.task()
      .catch((err: unknown) => this.log.warn({ err }, `${this.name} failed`))
      .finally(() => (this.running = undefined));
  }
}
