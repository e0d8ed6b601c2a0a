import type { ListQuery } from '../../cckm/common/list.js';
import type { NewXksKey, XksKeyFilter, XksKeyRepository, XksKeyRow } from '../../cckm/xks/xks-key.repository.js';
import type { PrismaClient } from '../database.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idOrName(account: string, value: string) {
  return UUID.test(value) ? { account, OR: [{ id: value }, { name: value }] } : { account, name: value };
}

/** XKS proxy keys in table `xks_keys`; every query is filtered by account. */
export class PrismaXksKeyRepository implements XksKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  find(account: string, value: string): Promise<XksKeyRow | null> {
    return guard('XKS key', () => this.prisma.xksKey.findFirst({ where: idOrName(account, value) }));
  }

  async list(account: string, f: XksKeyFilter, q: ListQuery): Promise<{ total: number; rows: XksKeyRow[] }> {
    const where = { account, ...(f.name !== undefined ? { name: f.name } : {}), ...(f.enabled !== undefined ? { enabled: f.enabled } : {}) };
    return guard('XKS key', async () => {
      const [total, rows] = await Promise.all([
        this.prisma.xksKey.count({ where }),
        this.prisma.xksKey.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
      ]);
      return { total, rows };
    });
  }

  create(k: NewXksKey): Promise<XksKeyRow> {
    return guard(`XKS key ${k.name ?? k.id}`, () =>
      this.prisma.xksKey.create({ data: { ...k, sealedMaterial: Buffer.from(k.sealedMaterial) } }),
    );
  }

  async setEnabled(account: string, id: string, enabled: boolean): Promise<XksKeyRow | null> {
    return guard('XKS key', async () => {
      const { count } = await this.prisma.xksKey.updateMany({ where: { id, account }, data: { enabled } });
      return count === 0 ? null : this.prisma.xksKey.findFirst({ where: { id, account } });
    });
  }

  async delete(account: string, id: string): Promise<boolean> {
    return guard('XKS key', async () => (await this.prisma.xksKey.deleteMany({ where: { id, account } })).count > 0);
  }
}
