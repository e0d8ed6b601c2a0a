import type { Principal } from '../../auth/principal.js';
import { ForbiddenError } from '../../errors/index.js';
import type { ListQuery, Page } from '../common/list.js';

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
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_FIELDS.test(k) ? '[redacted]' : redact(v, depth + 1)]),
    );
  }
  return typeof value === 'string' && value.length > 512 ? `${value.slice(0, 512)}…` : value;
}

interface Waiting {
  event: AuditEventInput;
  done: (err?: unknown) => void;
}

/**
 * The append-only audit trail of changes. Events are group-committed: the events that
 * arrive while one insert is in flight go together in the next, so concurrent requests
 * share one round trip and one commit instead of paying one each.
 */
export class AuditService {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly repo: AuditRepository,
    private readonly maxBatch = 500,
  ) {}

  /** The caller's account's audit events, newest first by default. */
  async list(p: Principal, filter: AuditFilter, q: ListQuery): Promise<Page<AuditRecord>> {
    assertCanReadAudit(p);
    const { total, rows } = await this.repo.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /** Resolves once the event is durable. */
  record(event: AuditEventInput): Promise<void> {
    const safe = { ...event, details: redact(event.details ?? {}) as Record<string, unknown> };
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event: safe, done: (err) => (err ? reject(err) : resolve()) });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.repo.appendMany(batch.map((w) => w.event));
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.done(err);
      }
    }
  }
}
