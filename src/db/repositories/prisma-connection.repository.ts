import type { ListQuery } from '../../cckm/common/list.js';
import type {
  ConnectionChanges,
  ConnectionFilter,
  ConnectionRepository,
  KmsAccountChanges,
  KmsAccountRepository,
  NewConnection,
  NewKmsAccount,
  NewPolicyTemplate,
  PolicyTemplateChanges,
  PolicyTemplateRepository,
} from '../../cckm/connections/connection.repository.js';
import type { PrismaClient } from '../database.js';
import { Prisma } from '../generated/client.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `where` for "this id or this name, in this account". */
function idOrName(account: string, value: string) {
  return UUID.test(value) ? { account, OR: [{ id: value }, { name: value }] } : { account, name: value };
}

function bytes(v: Uint8Array | null | undefined) {
  return v === undefined ? undefined : v === null ? null : Buffer.from(v);
}

export class PrismaConnectionRepository implements ConnectionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  find(account: string, value: string) {
    return this.prisma.connection.findFirst({ where: idOrName(account, value) });
  }

  findById(id: string) {
    return this.prisma.connection.findUnique({ where: { id } });
  }

  async list(account: string, f: ConnectionFilter, q: ListQuery) {
    const where = {
      account,
      ...(f.name ? { name: f.name } : {}),
      ...(f.provider ? { provider: f.provider } : {}),
      ...(f.cloudName ? { cloudName: f.cloudName } : {}),
    };
    const [total, rows] = await Promise.all([
      this.prisma.connection.count({ where }),
      this.prisma.connection.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  create(c: NewConnection) {
    const { secretAccessKeyEnc, labels, meta, ...rest } = c;
    return guard(`Connection ${c.name}`, () =>
      this.prisma.connection.create({
        data: { ...rest, labels: labels as object, meta: meta as object, secretAccessKeyEnc: bytes(secretAccessKeyEnc) ?? null },
      }),
    );
  }

  update(id: string, changes: ConnectionChanges) {
    const { secretAccessKeyEnc, labels, meta, ...rest } = changes;
    return guard('Connection', () =>
      this.prisma.connection.update({
        where: { id },
        data: {
          ...rest,
          ...(labels !== undefined ? { labels: labels as object } : {}),
          ...(meta !== undefined ? { meta: meta as object } : {}),
          ...(secretAccessKeyEnc !== undefined ? { secretAccessKeyEnc: bytes(secretAccessKeyEnc) } : {}),
        },
      }),
    );
  }

  async delete(id: string) {
    await guard('Connection', () => this.prisma.connection.delete({ where: { id } }));
  }

  countKmsAccounts(connectionId: string) {
    return this.prisma.kmsAccount.count({ where: { connectionId } });
  }
}

export class PrismaKmsAccountRepository implements KmsAccountRepository {
  constructor(private readonly prisma: PrismaClient) {}

  find(account: string, value: string) {
    return this.prisma.kmsAccount.findFirst({ where: idOrName(account, value) });
  }

  findById(id: string) {
    return this.prisma.kmsAccount.findUnique({ where: { id } });
  }

  findMany(ids: string[]) {
    return this.prisma.kmsAccount.findMany({ where: { id: { in: ids } } });
  }

  async list(account: string, f: { name?: string; awsAccountId?: string }, q: ListQuery) {
    const where = { account, ...(f.name ? { name: f.name } : {}), ...(f.awsAccountId ? { awsAccountId: f.awsAccountId } : {}) };
    const [total, rows] = await Promise.all([
      this.prisma.kmsAccount.count({ where }),
      this.prisma.kmsAccount.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  create(k: NewKmsAccount) {
    const { acls, ...rest } = k;
    return guard(`KMS account ${k.name}`, () => this.prisma.kmsAccount.create({ data: { ...rest, acls: (acls ?? []) as object } }));
  }

  update(id: string, changes: KmsAccountChanges) {
    return guard('KMS account', () => this.prisma.kmsAccount.update({ where: { id }, data: changes }));
  }

  async delete(id: string) {
    await guard('KMS account', () => this.prisma.kmsAccount.delete({ where: { id } }));
  }

  async countReferences(kmsId: string) {
    const [keys, templates] = await Promise.all([
      this.prisma.awsKey.count({ where: { kmsId } }),
      this.prisma.policyTemplate.count({ where: { kmsId } }),
    ]);
    return { keys, templates };
  }
}

export class PrismaPolicyTemplateRepository implements PolicyTemplateRepository {
  constructor(private readonly prisma: PrismaClient) {}

  find(account: string, value: string) {
    return this.prisma.policyTemplate.findFirst({ where: idOrName(account, value) });
  }

  async list(account: string, f: { name?: string; kmsId?: string }, q: ListQuery) {
    const where = { account, ...(f.name ? { name: f.name } : {}), ...(f.kmsId ? { kmsId: f.kmsId } : {}) };
    const [total, rows] = await Promise.all([
      this.prisma.policyTemplate.count({ where }),
      this.prisma.policyTemplate.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  create(t: NewPolicyTemplate) {
    const { policy, ...rest } = t;
    return guard(`Policy template ${t.name}`, () =>
      this.prisma.policyTemplate.create({ data: { ...rest, ...(policy != null ? { policy: policy as object } : {}) } }),
    );
  }

  update(id: string, changes: PolicyTemplateChanges) {
    const { policy, ...rest } = changes;
    return guard('Policy template', () =>
      this.prisma.policyTemplate.update({
        where: { id },
        data: { ...rest, ...(policy !== undefined ? { policy: policy === null ? Prisma.DbNull : (policy as object) } : {}) },
      }),
    );
  }

  async delete(id: string) {
    await guard('Policy template', () => this.prisma.policyTemplate.delete({ where: { id } }));
  }

  countKeys(templateId: string) {
    return this.prisma.awsKey.count({ where: { policyTemplateId: templateId } });
  }
}
