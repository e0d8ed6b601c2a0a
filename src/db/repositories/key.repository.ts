import type { ListQuery } from '../../cckm/common/list.js';
import type { KeyChanges, KeyFilter, KeyRepository, NewKeyRecord } from '../../cckm/keys/key.repository.js';
import type { PrismaClient } from '../database.js';
import type { Prisma } from '../generated/client.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

const any = (values: string[] | undefined) => (values && values.length ? { in: values } : undefined);

/** Prisma `where` for a key list filter. */
function whereOf(account: string, f: KeyFilter): Prisma.AwsKeyWhereInput {
  const and: Prisma.AwsKeyWhereInput[] = [];
  if (f.aliases?.length) and.push({ aliases: { hasSome: f.aliases } });
  for (const t of f.tags ?? []) {
    and.push({ tags: { array_contains: [t.value === undefined ? { TagKey: t.key } : { TagKey: t.key, TagValue: t.value }] } });
  }
  const where: Prisma.AwsKeyWhereInput = {
    account,
    id: any(f.ids),
    kmsId: any(f.kmsIds),
    region: any(f.regions),
    kmsKeyId: any(f.keyIds),
    arn: any(f.arns),
    keyState: any(f.keyStates),
    keyUsage: any(f.keyUsages),
    origin: any(f.origins),
    keyType: any(f.keyTypes),
    keyMaterialOrigin: any(f.materialOrigins),
    keySpec: any(f.keySpecs),
    cloudName: any(f.cloudNames),
    multiRegionKeyType: any(f.multiRegionKeyTypes),
    policyTemplateId: any(f.templateIds),
    ...(f.gone !== undefined ? { gone: f.gone } : {}),
    ...(f.multiRegion !== undefined ? { multiRegion: f.multiRegion } : {}),
    ...(f.enabled !== undefined ? { enabled: f.enabled } : {}),
    ...(and.length ? { AND: and } : {}),
  };
  return Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)) as Prisma.AwsKeyWhereInput;
}

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
  constructor(private readonly prisma: PrismaClient) {}

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
    const where = whereOf(account, filter);
    const [total, rows] = await this.prisma.$transaction([
      this.prisma.awsKey.count({ where }),
      this.prisma.awsKey.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows };
  }

  async delete(id: string) {
    await guard('Key record', () => this.prisma.awsKey.delete({ where: { id } }));
  }

  listByTemplate(templateId: string) {
    return this.prisma.awsKey.findMany({ where: { policyTemplateId: templateId }, orderBy: { createdAt: 'asc' } });
  }
}
