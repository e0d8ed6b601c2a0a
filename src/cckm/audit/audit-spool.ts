import type { AuditEventInput } from './audit.service.js';

/** What a drain did: events handed back to the database, and spool lines that could not be read. */
export interface DrainResult {
  restored: number;
  corrupt: number;
}

/**
 * A durable local store for audit events the database could not take (an outage): the
 * events wait here until the database answers again and are then replayed into it.
 * Implemented by `db/audit-spool-file.ts` (a JSON lines file under CCKM_DATA_DIR).
 */
export interface AuditSpool {
  /**
   * Appends events durably (written and fsync'd) before resolving.
   * @throws Error when the spool is full (its size bound) or cannot be written.
   */
  append(events: AuditEventInput[]): Promise<void>;
  /**
   * Hands the spooled events to `restore` in batches and removes them once every batch is
   * restored. A failed batch stops the drain and keeps the events (restore must therefore
   * be idempotent). Events appended meanwhile wait for the next drain.
   */
  drain(restore: (events: AuditEventInput[]) => Promise<void>): Promise<DrainResult>;
  /** True when events are waiting. */
  pending(): Promise<boolean>;
}
