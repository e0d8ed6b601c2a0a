import type { ListQuery } from '../../cckm/common/list.js';
import type { KeyChanges, KeyFilter, KeyRepository, NewKeyRecord } from '../../cckm/keys/key.repository.js';
import type { Database } from '../database.js';
import type { Prisma } from '../generated/client.js';
import { guard } from '../prisma-errors.js';
import { keyPage, rowToKey } from './key-list.sql.js';

function data(changes: KeyChanges): Prisma.AwsKeyUpdateInput {
  const { tags, awsParam, labels, policyTemplateId, ...rest } = changes;
  return {
    ...rest,
    ...(tags !== undefined ? { tags: tags as Prisma.InputJsonValue } : {}),
    ...(awsParam !== undefined ? { awsParam: awsParam as Prisma.InputJsonValue } : {}),
    ...(labels !== undefined ? { labels: labels as Prisma.InputJsonValue } : {}),
    ...(policyTemplateId !== undefined
      ? { policyTemplate: policyTemplateId ? { connect: { id: policyTemplateId } } : { disconnect: true } }
      : {}),
  };
}

export class PrismaKeyRepository implements KeyRepository {
  private readonly prisma: Database['prisma'];

  constructor(private readonly db: Pick<Database, 'prisma' | 'sql'>) {
    this.prisma = db.prisma;
  }

  reserve(row: NewKeyRecord) {
    return guard('Key record', () =>
      this.prisma.awsKey.create({ data: { ...row, status: 'creating', aliases: [], tags: [], awsParam: {}, labels: {} } }),
    );
  }

  update(id: string, changes: KeyChanges) {
    return guard('Key record', () => this.prisma.awsKey.update({ where: { id }, data: data(changes) }));
  }

  find(account: string, id: string) {
    return this.prisma.awsKey.findFirst({ where: { id, account } });
  }

  async list(account: string, filter: KeyFilter, q: ListQuery) {
    const { count, page } = keyPage(account, filter, q);
    const [counted, rows] = await Promise.all([
      this.db.sql.query<{ total: string | number }>(count.text, count.params),
      this.db.sql.query(page.text, page.params),
    ]);
    return { total: Number(counted[0]?.total ?? 0), rows: rows.map(rowToKey) };
  }

  async delete(id: string) {
    await guard('Key record', () => this.prisma.awsKey.delete({ where: { id } }));
  }

  listByTemplate(templateId: string) {
    return this.prisma.awsKey.findMany({ where: { policyTemplateId: templateId }, orderBy: { createdAt: 'asc' } });
  }
}
