import type { AuditEventInput, AuditRepository } from '../../cckm/audit/audit.service.js';
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

export class PrismaAuditRepository implements AuditRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async appendMany(events: AuditEventInput[]) {
    await this.prisma.auditEvent.createMany({ data: events.map((e) => ({ ...e, details: (e.details ?? {}) as Prisma.InputJsonValue })) });
  }
}
