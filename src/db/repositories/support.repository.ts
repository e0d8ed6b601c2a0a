import type { AuditEventInput, AuditFilter, AuditRecord, AuditRepository } from '../../cckm/audit/audit.service.js';
import type { ListQuery } from '../../cckm/common/list.js';
import type { IdempotencyRepository, IdempotencyRow } from '../../cckm/idempotency/idempotency.service.js';
import type { PrismaClient } from '../database.js';
import type { Prisma } from '../generated/client.js';

export class PrismaIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async claim(row: { account: string; key: string; userId: string; requestHash: string; expiresAt: Date }): Promise<'claimed' | IdempotencyRow> {
    // Expired keys are dropped first, so a key can be reused after its retention.
    await this.prisma.idempotencyKey.deleteMany({ where: { account: row.account, key: row.key, expiresAt: { lt: new Date() } } });
    const inserted = await this.prisma.idempotencyKey.createMany({ data: [{ ...row, state: 'pending' }], skipDuplicates: true });
    if (inserted.count === 1) return 'claimed';
    const existing = await this.prisma.idempotencyKey.findUnique({ where: { account_key: { account: row.account, key: row.key } } });
    if (!existing) return this.claim(row);
    return existing;
  }

  async complete(account: string, key: string, statusCode: number, response: unknown, resourceId: string | null) {
    await this.prisma.idempotencyKey.update({
      where: { account_key: { account, key } },
      data: { state: 'done', statusCode, response: response as Prisma.InputJsonValue, resourceId },
    });
  }

  async release(account: string, key: string) {
    await this.prisma.idempotencyKey.deleteMany({ where: { account, key, state: 'pending' } });
  }
}

/**
 * Inserts replayed events unless already stored: an event is identified by its account,
 * time (set by the service, kept through the spool), request id and action. Uses the
 * (account, at) index.
 */
const RESTORE_AUDIT = `
INSERT INTO audit_events (at, account, actor, action, resource_type, resource_id, result, status_code, request_id, details)
SELECT x.at, x.account, x.actor, x.action, x.resource_type, x.resource_id, x.result, x.status_code, x.request_id, x.details
FROM jsonb_to_recordset($1::jsonb) AS x(at timestamptz, account text, actor text, action text, resource_type text,
  resource_id text, result text, status_code int, request_id text, details jsonb)
WHERE NOT EXISTS (
  SELECT 1 FROM audit_events e WHERE e.account = x.account AND e.at = x.at AND e.request_id = x.request_id AND e.action = x.action
)`;

export class PrismaAuditRepository implements AuditRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async appendMany(events: AuditEventInput[]) {
    await this.prisma.auditEvent.createMany({ data: events.map((e) => ({ ...e, details: (e.details ?? {}) as Prisma.InputJsonValue })) });
  }

  async restore(events: AuditEventInput[]) {
    if (!events.length) return;
    const rows = events.map((e) => ({
      at: (e.at ?? new Date()).toISOString(),
      account: e.account,
      actor: e.actor,
      action: e.action,
      resource_type: e.resourceType,
      resource_id: e.resourceId,
      result: e.result,
      status_code: e.statusCode,
      request_id: e.requestId,
      details: e.details ?? {},
    }));
    await this.prisma.$executeRawUnsafe(RESTORE_AUDIT, JSON.stringify(rows));
  }

  async list(account: string, f: AuditFilter, q: ListQuery): Promise<{ total: number; rows: AuditRecord[] }> {
    const where: Prisma.AuditEventWhereInput = { account };
    if (f.actor !== undefined) where.actor = f.actor;
    if (f.action !== undefined) where.action = f.action;
    if (f.resourceType !== undefined) where.resourceType = f.resourceType;
    if (f.resourceId !== undefined) where.resourceId = f.resourceId;
    if (f.result !== undefined) where.result = f.result;
    if (f.requestId !== undefined) where.requestId = f.requestId;
    if (f.from !== undefined || f.to !== undefined) {
      where.at = { ...(f.from !== undefined ? { gte: f.from } : {}), ...(f.to !== undefined ? { lt: f.to } : {}) };
    }
    // Only `at` sorts; the id breaks ties so pages are stable. Newest first by default.
    const dir = q.sort ? (q.sort.desc ? 'desc' : 'asc') : 'desc';
    const [total, rows] = await Promise.all([
      this.prisma.auditEvent.count({ where }),
      this.prisma.auditEvent.findMany({ where, orderBy: [{ at: dir }, { id: dir }], skip: q.skip, take: q.limit }),
    ]);
    return {
      total,
      rows: rows.map((r) => ({
        id: r.id.toString(),
        at: r.at,
        account: r.account,
        actor: r.actor,
        action: r.action,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        result: r.result,
        statusCode: r.statusCode,
        requestId: r.requestId,
        details: r.details && typeof r.details === 'object' && !Array.isArray(r.details) ? (r.details as Record<string, unknown>) : {},
      })),
    };
  }
}
