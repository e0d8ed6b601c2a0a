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
  append(event: AuditEventInput): Promise<void>;
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

/** The append-only audit trail of changes. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  async record(event: AuditEventInput): Promise<void> {
    await this.repo.append({ ...event, details: redact(event.details ?? {}) as Record<string, unknown> });
  }
}
