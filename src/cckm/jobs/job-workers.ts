import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from '../../errors/index.js';
import type { ClaimedUnit, JobKind, JobRepository, UnitOutcome } from './job.repository.js';

/** What a running unit is told at a checkpoint: go on, stop because the job was cancelled, or stop and give the unit back. */
export type UnitSignal = 'continue' | 'cancel' | 'stop';

/** Handed to a runner for one claimed unit. */
export interface UnitContext {
  unit: ClaimedUnit;
  /**
   * Records progress (stored with the next lease renewal) and answers whether to go on.
   * On `stop` (shutdown, or the lease was lost to another instance) the runner throws
   * {@link UnitStopped}; on `cancel` it returns a `cancelled` outcome.
   */
  checkpoint(progress: Record<string, number>, message: string): Promise<UnitSignal>;
}

/** Runs one unit of a job kind to its outcome. */
export interface UnitRunner {
  run(ctx: UnitContext): Promise<UnitOutcome>;
}

/** Thrown by a runner that must stop without an outcome: the unit is released (or already taken over). */
export class UnitStopped extends Error {
  constructor() {
    super('unit stopped before it finished');
  }
}

/** A per-key unit cancelled after `done` of its `total` keys: the keys it did not reach count as skipped. */
export function cancelledAfter(
  done: number,
  total: number,
  progress: Record<string, number> & { skipped: number },
  results: unknown[],
): UnitOutcome {
  progress.skipped += total - done;
  return { status: 'cancelled', message: `cancelled after ${done} of ${total} keys`, progress, results };
}

/** The part of a logger the workers use (pino's Logger fits). */
export interface JobLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobWorkerOptions {
  /** Workers (concurrent units) in this instance. */
  concurrency: number;
  /** A claimed unit's lease; renewed every third of it while the unit runs. */
  leaseMs: number;
  /** How often an idle worker looks for work. */
  pollMs: number;
  /** A unit claimed more often than this (its instances kept dying) fails instead of running again. */
  maxAttempts: number;
}

const sleep = (ms: number, signal: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.wake = () => {
      clearTimeout(t);
      resolve();
    };
  });

/**
 * The workers of one instance: each loops claiming a unit (SKIP LOCKED, under a lease),
 * running it with the runner of its job's kind while renewing the lease, and storing the
 * outcome. Stopping lets running units reach their next checkpoint, then releases them,
 * so another instance (or this one after a restart) resumes them at once.
 */
export class JobWorkers {
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly idle = new Set<{ wake?: () => void }>();

  constructor(
    private readonly repo: JobRepository,
    /** A kind without a runner here fails its units with a message saying so. */
    private readonly runners: Partial<Record<JobKind, UnitRunner>>,
    private readonly options: JobWorkerOptions,
    private readonly log: JobLogger,
    /** Started and stopped with the workers (the periodic sync). */
    private readonly companions: { start(): void; stop(): Promise<void> }[] = [],
  ) {}

  /** Starts the worker loops and companions (idempotent). */
  start(): void {
    for (const c of this.companions) c.start();
    if (this.loops.length || this.options.concurrency < 1) return;
    this.loops = Array.from({ length: this.options.concurrency }, (_, i) => this.loop(`${this.instanceId}/${i}`));
  }

  /** Wakes idle workers (a job was just created here), so work starts without waiting for the poll. */
  wake(): void {
    for (const s of this.idle) s.wake?.();
  }

  /** Stops claiming, lets running units stop at their next checkpoint and releases them; waits at most `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(this.companions.map((c) => c.stop()));
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.loops), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.loops = [];
  }

  private async loop(owner: string): Promise<void> {
    while (!this.stopping) {
      let unit: ClaimedUnit | null = null;
      try {
        unit = await this.repo.claim(owner, this.options.leaseMs);
      } catch (err) {
        this.log.warn({ err }, 'job unit claim failed');
      }
      if (unit) {
        await this.runUnit(unit, owner);
        continue;
      }
      const signal: { wake?: () => void } = {};
      this.idle.add(signal);
      await sleep(this.options.pollMs, signal);
      this.idle.delete(signal);
    }
  }

  private async runUnit(unit: ClaimedUnit, owner: string): Promise<void> {
    const state = {
      progress: unit.progress,
      message: unit.message,
      signal: 'continue' as UnitSignal,
      lastBeat: Date.now(),
    };
    const beat = async () => {
      state.lastBeat = Date.now();
      const lease = await this.repo.heartbeat(unit, owner, this.options.leaseMs, state.progress, state.message);
      if (!lease.held) state.signal = 'stop';
      else if (lease.cancelRequested && state.signal === 'continue') state.signal = 'cancel';
    };
    const renew = () =>
      void beat().catch((err: unknown) =>
        this.log.warn({ err, jobId: unit.jobId, unit: unit.seq }, 'job lease renewal failed'),
      );
    const timer = setInterval(renew, Math.max(100, Math.floor(this.options.leaseMs / 3)));
    const ctx: UnitContext = {
      unit,
      checkpoint: async (progress, message) => {
        state.progress = progress;
        state.message = message;
        if (Date.now() - state.lastBeat >= 1000) await beat();
        return this.stopping ? 'stop' : state.signal;
      },
    };
    const runner = this.runners[unit.kind];
    try {
      const outcome: UnitOutcome = !runner
        ? { status: 'failed', message: `failed: ${unit.kind} jobs are not available`, progress: unit.progress }
        : unit.attempts > this.options.maxAttempts
          ? {
              status: 'failed',
              message: `abandoned after ${unit.attempts - 1} attempts that did not finish`,
              progress: unit.progress,
            }
          : await runner.run(ctx);
      clearInterval(timer);
      await this.repo.finish(unit, owner, outcome);
    } catch (err) {
      clearInterval(timer);
      await this.afterError(unit, owner, err, state.progress).catch((e: unknown) =>
        this.log.error(
          { err: e, jobId: unit.jobId, unit: unit.seq },
          'job unit could not be settled; its lease will expire',
        ),
      );
    }
  }

  private async afterError(
    unit: ClaimedUnit,
    owner: string,
    err: unknown,
    progress: Record<string, number>,
  ): Promise<void> {
    if (err instanceof UnitStopped) {
      await this.repo.release(unit, owner);
      return;
    }
    this.log.error({ err, jobId: unit.jobId, unit: unit.seq }, 'job unit failed');
    const reason =
      err instanceof AppError
        ? `${err.awsName ? `${err.awsName}: ` : ''}${err.message}`
        : 'internal error (see the service log)';
    await this.repo.finish(unit, owner, { status: 'failed', message: `failed: ${reason}`, progress });
  }
}
