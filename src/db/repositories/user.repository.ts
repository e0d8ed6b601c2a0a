import { randomUUID } from 'node:crypto';
import type { ListQuery } from '../../cckm/common/list.js';
import type { GroupRepository, NewUser, UserChanges, UserRepository } from '../../cckm/users/user.repository.js';
import type { PrismaClient } from '../database.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

export class PrismaUserRepository implements UserRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async anyUser() {
    return (await this.prisma.user.findFirst({ select: { id: true } })) !== null;
  }

  findByUsername(username: string) {
    return this.prisma.user.findUnique({ where: { username } });
  }

  findById(id: string) {
    return this.prisma.user.findUnique({ where: { id } });
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
