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

export interface AuditRepository {
  /** Appends events in one statement (all or none). */
  appendMany(events: AuditEventInput[]): Promise<void>;
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
