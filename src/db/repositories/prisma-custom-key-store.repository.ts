import type { ListQuery } from '../../cckm/common/list.js';
import type {
  CustomKeyStoreChanges,
  CustomKeyStoreFilter,
  CustomKeyStoreRecord,
  CustomKeyStoreRepository,
  NewCustomKeyStore,
} from '../../cckm/custom-key-stores/custom-key-store.repository.js';
import type { PrismaClient } from '../database.js';
import { Prisma } from '../generated/client.js';
import { guard } from '../prisma-errors.js';
import { orderBy } from './order.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = Awaited<ReturnType<PrismaClient['customKeyStore']['findUniqueOrThrow']>>;

function toRecord(r: Row): CustomKeyStoreRecord {
  return { ...r, xksCredentialEnc: r.xksCredentialEnc ? new Uint8Array(r.xksCredentialEnc) : null };
}

/** JSON columns: undefined leaves the column, null stores SQL NULL. */
function json(v: unknown) {
  return v === undefined ? undefined : v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue);
}

function bytes(v: Uint8Array | null | undefined) {
  return v === undefined ? undefined : v === null ? null : new Uint8Array(v);
}

/** Custom key store records in PostgreSQL (table `custom_key_stores`). */
export class PrismaCustomKeyStoreRepository implements CustomKeyStoreRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(row: NewCustomKeyStore) {
    const { localHostedParams, xksCredentialEnc, ...rest } = row;
    const r = await guard(`Custom key store ${row.name}`, () =>
      this.prisma.customKeyStore.create({
        data: { ...rest, localHostedParams: json(localHostedParams), xksCredentialEnc: bytes(xksCredentialEnc) ?? null },
      }),
    );
    return toRecord(r);
  }

  async update(id: string, changes: CustomKeyStoreChanges) {
    const { localHostedParams, xksCredentialEnc, ...rest } = changes;
    const r = await guard('Custom key store', () =>
      this.prisma.customKeyStore.update({
        where: { id },
        data: { ...rest, localHostedParams: json(localHostedParams), xksCredentialEnc: bytes(xksCredentialEnc) },
      }),
    );
    return toRecord(r);
  }

  async claimCredential(id: string, accessKeyId: string, sealedSecret: Uint8Array) {
    const r = await guard('Custom key store', () =>
      this.prisma.customKeyStore.updateMany({
        where: { id, linkedState: false, xksProxyAccessKeyId: null },
        data: { xksProxyAccessKeyId: accessKeyId, xksCredentialEnc: new Uint8Array(sealedSecret) },
      }),
    );
    return r.count === 1;
  }

  async find(account: string, id: string) {
    if (!UUID.test(id)) return null;
    const r = await this.prisma.customKeyStore.findFirst({ where: { id, account } });
    return r ? toRecord(r) : null;
  }

  async findById(id: string) {
    if (!UUID.test(id)) return null;
    const r = await this.prisma.customKeyStore.findUnique({ where: { id } });
    return r ? toRecord(r) : null;
  }

  async list(account: string, f: CustomKeyStoreFilter, q: ListQuery) {
    const any = (v: string[] | undefined) => (v ? { in: v } : undefined);
    const where = {
      account,
      ...(f.names ? { name: any(f.names) } : {}),
      ...(f.kmsIds ? { kmsId: any(f.kmsIds) } : {}),
      ...(f.regions ? { region: any(f.regions) } : {}),
      ...(f.types ? { type: any(f.types) } : {}),
      ...(f.connectionStates ? { connectionState: any(f.connectionStates) } : {}),
    };
    const [total, rows] = await Promise.all([
      this.prisma.customKeyStore.count({ where }),
      this.prisma.customKeyStore.findMany({ where, orderBy: orderBy(q), skip: q.skip, take: q.limit }),
    ]);
    return { total, rows: rows.map(toRecord) };
  }

  async delete(id: string) {
    await guard('Custom key store', () => this.prisma.customKeyStore.delete({ where: { id } }));
  }
}
