import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from '../emulator/store/emulator-store.js';
import type { PrismaClient } from './database.js';

const where = (r: ObjectRef) => ({
  kind_accountId_region_id: { kind: r.kind, accountId: r.accountId, region: r.region, id: r.id },
});

/** The emulator's durable state in the project database (table `emulator_objects`). */
export class PrismaEmulatorStore implements EmulatorStore {
  constructor(private readonly prisma: PrismaClient) {}

  async loadAll(): Promise<StoredObject[]> {
    const rows = await this.prisma.emulatorObject.findMany();
    return rows.map((r) => ({
      kind: r.kind,
      accountId: r.accountId,
      region: r.region,
      id: r.id,
      doc: r.doc,
      secret: r.secret ? new Uint8Array(r.secret) : null,
    }));
  }

  async apply(change: StoreChange): Promise<void> {
    const ops = [
      ...(change.put ?? []).map((o) => {
        const data = {
          doc: o.doc as object,
          secret: o.secret ? Buffer.from(o.secret) : null,
          updatedAt: new Date(),
        };
        return this.prisma.emulatorObject.upsert({
          where: where(o),
          create: { kind: o.kind, accountId: o.accountId, region: o.region, id: o.id, ...data },
          update: data,
        });
      }),
      ...(change.delete ?? []).map((r) => this.prisma.emulatorObject.deleteMany({ where: where(r).kind_accountId_region_id })),
    ];
    if (ops.length === 1) await ops[0];
    else if (ops.length > 1) await this.prisma.$transaction(ops);
  }
}
