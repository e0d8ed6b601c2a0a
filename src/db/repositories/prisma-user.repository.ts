import { randomUUID } from 'node:crypto';
import type { ListQuery } from '../../cckm/common/list.js';
import type { GroupRepository, LoginFailureRepository, NewUser, UserChanges, UserRepository } from '../../cckm/users/user.repository.js';
import type { Database, PrismaClient } from '../database.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

export class PrismaUserRepository implements UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async anyUser() {
    return (await this.prisma.user.findFirst({ select: { id: true } })) !== null;
  }

  findByUsername(account: string, username: string) {
    return this.prisma.user.findUnique({ where: { account_username: { account, username } } });
  }

  findAllByUsername(username: string, limit: number) {
    return this.prisma.user.findMany({ where: { username }, take: limit, orderBy: { account: 'asc' } });
  }

  findById(id: string) {
    return this.prisma.user.findUnique({ where: { id } });
  }

  /** What verifying an access token needs of its user (one primary-key read). */
  findState(id: string) {
    return this.prisma.user.findUnique({
      where: { id },
      select: { account: true, username: true, groups: true, disabled: true, tokenVersion: true },
    });
  }

  async list(account: string, filter: { username?: string; group?: string }, q: ListQuery) {
    const where = {
      account,
      ...(filter.username ? { username: filter.username } : {}),
      ...(filter.group ? { groups: { has: filter.group } } : {}),
    };
    const [total, rows] = await Promise.all([
      this.prisma.user.count({ where }),
      this.prisma.user.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  create(user: NewUser) {
    return guard('User', () => this.prisma.user.create({ data: user }));
  }

  update(id: string, changes: UserChanges) {
    const { bumpTokenVersion, ...data } = changes;
    return guard('User', () =>
      this.prisma.user.update({ where: { id }, data: { ...data, ...(bumpTokenVersion ? { tokenVersion: { increment: 1 } } : {}) } }),
    );
  }

  async bumpTokenVersion(id: string) {
    await this.prisma.user.updateMany({ where: { id }, data: { tokenVersion: { increment: 1 } } });
  }

  async delete(id: string) {
    await guard('User', () => this.prisma.user.delete({ where: { id } }));
  }

  countInGroup(account: string, group: string) {
    return this.prisma.user.count({ where: { account, groups: { has: group } } });
  }

  async createRefreshToken(row: { id: string; userId: string; tokenHash: string; expiresAt: Date }) {
    await this.prisma.refreshToken.create({ data: row });
  }

  findRefreshToken(tokenHash: string) {
    return this.prisma.refreshToken.findUnique({
      where: { tokenHash },
      select: { id: true, userId: true, expiresAt: true, revokedAt: true },
    });
  }

  async revokeRefreshToken(id: string) {
    const r = await this.prisma.refreshToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return r.count === 1;
  }

  async revokeRefreshTokens(userId: string) {
    await this.prisma.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  }
}

export class PrismaGroupRepository implements GroupRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async ensureBuiltIns(account: string, groups: readonly { name: string; description: string }[]) {
    await this.prisma.group.createMany({
      data: groups.map((g) => ({ id: randomUUID(), account, name: g.name, description: g.description, builtIn: true })),
      skipDuplicates: true,
    });
  }

  async list(account: string, q: ListQuery) {
    const where = { account };
    const [total, rows] = await Promise.all([
      this.prisma.group.count({ where }),
      this.prisma.group.findMany({ where, orderBy: orderBy(q, 'name'), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  find(account: string, name: string) {
    return this.prisma.group.findUnique({ where: { account_name: { account, name } } });
  }

  create(group: { id: string; account: string; name: string; description: string | null }) {
    return guard('Group', () => this.prisma.group.create({ data: group }));
  }

  async delete(account: string, name: string) {
    await guard('Group', () => this.prisma.group.delete({ where: { account_name: { account, name } } }));
  }
}

export class PrismaLoginFailureRepository implements LoginFailureRepository {
  constructor(private readonly db: Pick<Database, 'prisma' | 'sql'>) {}

  async lockedUntil(account: string, username: string) {
    const row = await this.db.prisma.loginFailure.findUnique({ where: { account_username: { account, username } }, select: { lockedUntil: true } });
    return row?.lockedUntil && row.lockedUntil.getTime() > Date.now() ? row.lockedUntil : null;
  }

  /** One atomic upsert, so concurrent failures on several instances are all counted. */
  async recordFailure(account: string, username: string, maxFailures: number, lockMs: number) {
    const rows = await this.db.sql.query<{ locked_until: Date | null; locked_now: boolean }>(
      `INSERT INTO login_failures (account, username, failures, updated_at) VALUES ($1, $2, 1, now())
       ON CONFLICT (account, username) DO UPDATE SET
         failures = CASE WHEN login_failures.failures + 1 >= $3 THEN 0 ELSE login_failures.failures + 1 END,
         locked_until = CASE WHEN login_failures.failures + 1 >= $3 THEN now() + ($4 || ' milliseconds')::interval ELSE login_failures.locked_until END,
         updated_at = now()
       RETURNING locked_until, (failures = 0 AND locked_until > now()) AS locked_now`,
      [account, username, maxFailures, String(lockMs)],
    );
    const row = rows[0];
    return row?.locked_now && row.locked_until ? new Date(row.locked_until) : null;
  }

  async clear(account: string, username: string) {
    await this.db.prisma.loginFailure.deleteMany({ where: { account, username } });
  }

  async prune(olderThanMs: number, batch: number) {
    const rows = await this.db.sql.query(
      `DELETE FROM login_failures WHERE (account, username) IN (
         SELECT account, username FROM login_failures
         WHERE (locked_until IS NULL OR locked_until < now()) AND updated_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)
       RETURNING 1`,
      [olderThanMs / 1000, batch],
    );
    return rows.length;
  }
}
