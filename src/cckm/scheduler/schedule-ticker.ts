import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { JobLogger } from '../jobs/job-workers.js';
import { parseCron } from './cron.js';
import type { JobConfigRecord, JobConfigRepository } from './job-config.repository.js';
import type { RunPlanner } from './run-planner.js';

export interface ScheduleTickerOptions {
  /** How often this instance looks for due job configs (ms); 0 leaves the firing to other instances. */
  checkMs: number;
  /** Configs fired per check at most (the rest wait for the next check). */
  batch?: number;
}

/**
 * Fires the cron ticks of job configs. Every instance checks on a timer; firing a tick is
 * one transaction that advances the config's `next_run_at` only while it still holds that
 * tick and queues the run (see JobConfigRepository.fire), so with any number of instances a
 * tick queues exactly one run. `next_run_at` advances to the first tick after now: a config
 * whose ticks were all missed while every instance was down runs once, not once per tick.
 */
export class ScheduleTicker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly configs: JobConfigRepository,
    private readonly planner: RunPlanner,
    private readonly options: ScheduleTickerOptions,
    private readonly log: JobLogger,
    private readonly audit: AuditService | undefined,
    /** A run was queued here (wakes this instance's workers). */
    private readonly onQueued: () => void = () => {},
  ) {}

  start(): void {
    if (this.options.checkMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.checkMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Fires the due ticks; answers how many runs this instance queued. */
  tick(): Promise<number> {
    this.running ??= this.fireDue()
      .catch((err: unknown) => {
        this.log.warn({ err }, 'scheduler check failed');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async fireDue(): Promise<number> {
    let fired = 0;
    for (const c of await this.configs.due(this.options.batch ?? 50)) {
      try {
        if (await this.fire(c)) fired++;
      } catch (err) {
        // A config that cannot fire now (a database error, a busy scope) is tried again at the next check.
        this.log.warn({ err, jobConfigId: c.id }, 'job config tick could not be fired');
      }
    }
    if (fired) this.onQueued();
    return fired;
  }

  private async fire(c: JobConfigRecord): Promise<boolean> {
    const tick = c.nextRunAt!;
    const after = new Date(Math.max(Date.now(), tick.getTime()));
    const next = parseCron(c.runAt, c.timeZone).next(after);
    const run = await this.planner.plan(c, tick, next, 'scheduler');
    if (!(await this.configs.fire(c, next, run))) return false;
    await this.audit
      ?.record({
        account: c.account,
        actor: 'scheduler',
        action: 'fireJobConfig',
        resourceType: 'job-config',
        resourceId: c.id,
        result: 'success',
        statusCode: 201,
        requestId: `scheduler-${randomUUID()}`,
        details: { run_id: run.job.id, scheduled_at: tick.toISOString(), operation: c.operation },
      })
      .catch((err: unknown) => this.log.error({ err, jobConfigId: c.id }, 'audit event could not be written'));
    return true;
  }
}
