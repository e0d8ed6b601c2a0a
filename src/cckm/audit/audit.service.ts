import type { Principal } from '../../auth/principal.js';
import { AppError, ForbiddenError } from '../../errors/index.js';
import type { ListQuery, Page } from '../common/list.js';
import type { AuditSpool } from './audit-spool.js';

/** One audit event: who did what to which resource, and how it ended. Never secrets. */
export interface AuditEventInput {
  account: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  result: 'success' | 'failure';
  statusCode: number;
  requestId: string;
  details?: Record<string, unknown>;
  /**
   * When the event happened; set by `record` (not by the database) so that a replayed
   * event keeps its time and is recognised if its first insert did commit after all.
   */
  at?: Date;
}

/** A stored audit event; `id` is the decimal text of the row's bigint. */
export interface AuditRecord {
  id: string;
  at: Date;
  account: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  result: string;
  statusCode: number;
  requestId: string;
  details: Record<string, unknown>;
}

/** Filters of the audit list; every one given must match. `from` is inclusive, `to` exclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  result?: 'success' | 'failure';
  requestId?: string;
  from?: Date;
  to?: Date;
}

/** Sort fields of the audit list. */
export const AUDIT_SORT = { at: 'at' } as const;

export interface AuditRepository {
  /** Appends events in one statement (all or none). */
  appendMany(events: AuditEventInput[]): Promise<void>;
  /**
   * Appends spooled events, skipping those already stored (same account, time, request id
   * and action): a replay may repeat an insert whose commit was not acknowledged.
   */
  restore(events: AuditEventInput[]): Promise<void>;
  /** One account's events matching `filter`, ordered by `at` (then id), newest first unless `q.sort` says otherwise. */
  list(account: string, filter: AuditFilter, q: ListQuery): Promise<{ total: number; rows: AuditRecord[] }>;
}

/** Reading the audit trail shows who did what: admin or cckm_admins only. */
function assertCanReadAudit(p: Principal): void {
  if (!p.groups.includes('admin') && !p.groups.includes('cckm_admins')) {
    throw new ForbiddenError('Reading the audit trail needs the admin or cckm_admins group');
  }
}

/** Keys whose values must never reach the audit trail, whatever request they come from. */
const SECRET_FIELDS = /(password|secret|token|private_key|key_store_password|plaintext|material)/i;

/** Removes secret-looking fields, recursively. */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_FIELDS.test(k) ? '[redacted]' : redact(v, depth + 1),
      ]),
    );
  }
  return typeof value === 'string' && value.length > 512 ? `${value.slice(0, 512)}…` : value;
}

interface Waiting {
  event: AuditEventInput;
  done: (err?: unknown) => void;
}

/** Where the audit trail reports spool trouble (a pino logger). */
interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuditSpooling {
  spool: AuditSpool;
  logger: AuditLogger;
  /** First replay delay after an outage; doubles per failed replay up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * The append-only audit trail of changes. Events are group-committed: the events that
 * arrive while one insert is in flight go together in the next, so concurrent requests
 * share one round trip and one commit instead of paying one each.
 *
 * When the database cannot take a batch (an outage, or any server fault), the batch goes
 * to the durable spool instead and is replayed when the database answers again: on a
 * timer with backoff, at start-up and at shutdown. An event is lost only when the spool
 * cannot take it either (full or unwritable), which is logged as an error.
 */
export class AuditService {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private closed = false;

  constructor(
    private readonly repo: AuditRepository,
    private readonly maxBatch = 500,
    private readonly spooling?: AuditSpooling,
  ) {
    this.retryMs = spooling?.retryMs ?? 1000;
  }

  /** The caller's account's audit events, newest first by default. */
  async list(p: Principal, filter: AuditFilter, q: ListQuery): Promise<Page<AuditRecord>> {
    assertCanReadAudit(p);
    const { total, rows } = await this.repo.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /** Resolves once the event is durable: in the database, or in the spool. */
  record(event: AuditEventInput): Promise<void> {
    const safe = {
      ...event,
      at: event.at ?? new Date(),
      details: redact(event.details ?? {}) as Record<string, unknown>,
    };
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event: safe, done: (err) => (err ? reject(err) : resolve()) });
      this.kick();
    });
  }

  /**
   * Starts a flush unless one runs. An event queued after a flush's last check of the queue
   * but before it finished (a caller resuming in between) starts the next one, so none waits.
   */
  private kick(): void {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length) this.kick();
    });
  }

  /**
   * Replays spooled events into the database now (start-up, shutdown, or the retry timer).
   * Never throws: a failure is logged and retried later with backoff.
   */
  replaySpool(): Promise<void> {
    if (!this.spooling) return Promise.resolve();
    this.replaying ??= this.replay().finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  /** Stops the retry timer after one last replay attempt (shutdown). */
  async close(): Promise<void> {
    await this.flushing;
    await this.replaySpool();
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const events = batch.map((w) => w.event);
      try {
        await this.repo.appendMany(events);
        for (const w of batch) w.done();
      } catch (err) {
        const spooled = await this.spool(events, err);
        for (const w of batch) w.done(spooled ? undefined : err);
      }
    }
  }

  /** Keeps a batch the database refused in the spool; false when there is no spool or it failed too. */
  private async spool(events: AuditEventInput[], err: unknown): Promise<boolean> {
    if (!this.spooling || (err instanceof AppError && err.fault === 'client')) return false;
    const { spool, logger } = this.spooling;
    try {
      await spool.append(events);
    } catch (spoolErr) {
      logger.error(
        { err: spoolErr, cause: err, events: events.length },
        'AUDIT EVENTS LOST: the database and the audit spool both refused them',
      );
      return false;
    }
    logger.warn({ err, events: events.length }, 'audit events spooled locally until the database answers');
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.replaySpool();
    }, this.retryMs);
    this.timer.unref();
  }

  private async replay(): Promise<void> {
    const { spool, logger, retryMs = 1000, maxRetryMs = 30_000 } = this.spooling!;
    try {
      if (!(await spool.pending())) return;
      const { restored, corrupt } = await spool.drain((events) => this.repo.restore(events));
      if (corrupt) logger.error({ corrupt }, 'audit spool lines could not be read and were dropped');
      if (restored) logger.info({ restored }, 'spooled audit events replayed into the database');
      this.retryMs = retryMs;
      if (await spool.pending()) this.schedule();
    } catch (err) {
      this.retryMs = Math.min(this.retryMs * 2, maxRetryMs);
      logger.warn({ err, retryInMs: this.retryMs }, 'spooled audit events not replayed yet');
      this.schedule();
    }
  }
}
