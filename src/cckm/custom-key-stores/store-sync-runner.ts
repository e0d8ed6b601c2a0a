import { randomUUID } from 'node:crypto';
import type { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import { AppError, failureReason } from '../../errors/index.js';
import { paginate } from '../../providers/paginate.js';
import { MAX_PAGE } from '../common/list.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import { UnitStopped, type UnitContext, type UnitRunner } from '../jobs/job-workers.js';
import type { KmsService } from '../kms/kms.service.js';
import type { CustomKeyStoreRecord, CustomKeyStoreRepository } from './custom-key-store.repository.js';
import { readStoreColumns } from './store-sync.js';

/** The unit of a custom key store synchronization job: one KMS account in one region. */
interface StoreSyncUnitPayload {
  kmsId: string;
  region: string;
}

/**
 * Synchronises the custom key store records of one (KMS account, region) with AWS: pages
 * through DescribeCustomKeyStores; a store AWS has and opencckm does not know (created
 * elsewhere) gets a record (linked, not hosted); known ones are updated (name, connection
 * state, proxy settings, HSM count); linked records whose store AWS no longer has are marked
 * `gone` (each confirmed by DescribeCustomKeyStores on its id first). Unlinked hosted stores
 * exist only in opencckm and are left alone. Checkpoints after each page: cancel stops it.
 */
export class StoreSyncRunner implements UnitRunner {
  constructor(
    private readonly kms: KmsService,
    private readonly repo: CustomKeyStoreRepository,
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const { kmsId, region } = ctx.unit.payload as StoreSyncUnitPayload;
    const principal = ctx.unit.principal as Principal;
    const progress = { stores_seen: 0, created: 0, updated: 0, gone: 0, errors: 0 };
    let kms;
    try {
      kms = await this.kms.find(principal, kmsId);
    } catch {
      return { status: 'failed', message: 'failed: the KMS account no longer exists', progress };
    }
    const known = await this.recordsOf(principal.account, kmsId, region);
    const byAwsId = new Map(known.filter((s) => s.customKeyStoreId).map((s) => [s.customKeyStoreId!, s]));
    const seen = new Set<string>();
    try {
      const { provider } = await this.kms.provider(kms, region);
      for await (const page of paginate(provider, 'DescribeCustomKeyStores', { Limit: 1000 })) {
        for (const e of page.CustomKeyStores ?? []) {
          if (!e.CustomKeyStoreId) continue;
          seen.add(e.CustomKeyStoreId);
          progress.stores_seen++;
          try {
            await this.apply(principal.account, kmsId, region, e, byAwsId.get(e.CustomKeyStoreId), provider);
            if (byAwsId.has(e.CustomKeyStoreId)) progress.updated++;
            else progress.created++;
          } catch {
            progress.errors++;
          }
        }
        const signal = await ctx.checkpoint(progress, `in progress: ${progress.stores_seen} stores read`);
        if (signal === 'stop') throw new UnitStopped();
        if (signal === 'cancel')
          return { status: 'cancelled', message: `cancelled after ${progress.stores_seen} stores`, progress };
      }
      for (const s of known) {
        if (!s.customKeyStoreId || s.gone || seen.has(s.customKeyStoreId)) continue;
        // Confirmed one by one: a store created while the pages were read is not marked.
        const still = await readStoreColumns(provider, s.customKeyStoreId).catch((err: unknown) => {
          if (err instanceof AppError && err.awsName === 'CustomKeyStoreNotFoundException') return undefined;
          throw err;
        });
        if (still) continue;
        await this.repo.update(s.id, { gone: true, connectionState: null, syncedAt: new Date() });
        progress.gone++;
      }
    } catch (err) {
      if (err instanceof UnitStopped) throw err;
      return { status: 'failed', message: `failed: ${failureReason(err)}`, progress };
    }
    const message = `completed: ${progress.stores_seen} stores (${progress.created} new, ${progress.gone} gone${
      progress.errors ? `, ${progress.errors} could not be stored` : ''
    })`;
    return { status: progress.errors ? 'failed' : 'completed', message, progress };
  }

  private async apply(
    account: string,
    kmsId: string,
    region: string,
    e: CustomKeyStoresListEntry,
    record: CustomKeyStoreRecord | undefined,
    provider: Awaited<ReturnType<KmsService['provider']>>['provider'],
  ): Promise<void> {
    const columns = await readStoreColumns(provider, e.CustomKeyStoreId!);
    if (record) {
      await this.repo.update(record.id, { ...columns, linkedState: true, lastError: null });
      return;
    }
    const created = await this.repo.create({
      id: randomUUID(),
      account,
      kmsId,
      region,
      name: e.CustomKeyStoreName!,
      type: e.CustomKeyStoreType ?? (e.CloudHsmClusterId ? 'AWS_CLOUDHSM' : 'EXTERNAL_KEY_STORE'),
      linkedState: true,
      customKeyStoreId: e.CustomKeyStoreId!,
      connectionState: null,
      connectionErrorCode: null,
      cloudHsmClusterId: null,
      trustAnchorCertificate: null,
      numberOfHsms: null,
      xksProxyConnectivity: null,
      xksProxyUriEndpoint: null,
      xksProxyUriPath: null,
      xksProxyVpcEndpointServiceName: null,
      xksProxyAccessKeyId: null,
      localHostedParams: null,
      xksCredentialEnc: null,
      createdBy: 'synchronization',
    });
    await this.repo.update(created.id, columns);
  }

  private async recordsOf(account: string, kmsId: string, region: string): Promise<CustomKeyStoreRecord[]> {
    const out: CustomKeyStoreRecord[] = [];
    for (let skip = 0; ; skip += MAX_PAGE) {
      const { rows } = await this.repo.list(account, { kmsIds: [kmsId], regions: [region] }, { skip, limit: MAX_PAGE });
      out.push(...rows);
      if (rows.length < MAX_PAGE) return out;
    }
  }
}
