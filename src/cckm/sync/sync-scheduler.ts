import type { JobLogger } from '../jobs/job-workers.js';
import type { JobRepository } from '../jobs/job.repository.js';
import type { SyncJobService } from './sync-job.service.js';

export interface SyncScheduleOptions {
  /** Synchronise every KMS account this often (minutes); 0 turns the periodic sync off. */
  intervalMinutes: number;
  /** How often an instance looks for KMS accounts that are due. */
  checkMs: number;
}

/**
 * Periodic synchronization: every instance looks for KMS accounts whose last sync job is
 * older than the interval and queues one job per account on the shared queue. Two
 * instances looking at once cannot both queue one: the second job's insert hits the
 * active-scope unique index (409) and is dropped. The jobs then run on whichever
 * instance's workers claim them.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly jobs: JobRepository,
    private readonly sync: SyncJobService,
    private readonly options: SyncScheduleOptions,
    private readonly log: JobLogger,
  ) {}

  start(): void {
    if (this.options.intervalMinutes <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.checkMs);
    this.timer.unref();
    void this.tick();
  }

  /** Queues the jobs that are due; answers how many this instance queued. */
  tick(): Promise<number> {
    this.running ??= this.queueDue()
      .catch((err: unknown) => {
        this.log.warn({ err }, 'periodic synchronization check failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async queueDue(): Promise<number> {
    let queued = 0;
    for (const kms of await this.jobs.dueForSync(this.options.intervalMinutes)) {
      if (await this.sync.createScheduled(kms)) queued++;
    }
    return queued;
  }
}
