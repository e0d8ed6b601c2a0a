import type { Principal } from '../../auth/principal.js';
import { failureReason } from '../../errors/index.js';
import type { KmsAccountRecord } from '../common/records.js';
import { mapLimit } from '../jobs/concurrency.js';
import type { KmsService } from '../kms/kms.service.js';
import type { KeyUsageFacts, ReportKey } from './report-types.js';

/**
 * Asks AWS (or the emulator, which records every key's last cryptographic operation)
 * GetKeyLastUsage for each key of a page, `concurrency` at a time. A key AWS cannot answer
 * for (a Region without usage tracking, a denied call, the key gone) gets the reason
 * instead of failing the report.
 */
export async function lookUpUsage(
  kms: KmsService,
  account: (kmsId: string) => Promise<KmsAccountRecord>,
  keys: readonly ReportKey[],
  concurrency: number,
): Promise<KeyUsageFacts[]> {
  return mapLimit(keys, concurrency, async (k) => {
    try {
      const { provider } = await kms.provider(await account(k.kmsId), k.region);
      const r = await provider.kms('GetKeyLastUsage', { KeyId: k.arn ?? k.kmsKeyId });
      return {
        lastUsedAt: r.KeyLastUsage?.Timestamp ? new Date(r.KeyLastUsage.Timestamp) : null,
        operation: r.KeyLastUsage?.Operation ?? null,
        trackingStartedAt: r.TrackingStartDate ? new Date(r.TrackingStartDate) : null,
      };
    } catch (err) {
      return { lastUsedAt: null, operation: null, trackingStartedAt: null, unavailable: failureReason(err) };
    }
  });
}

/** The KMS accounts of a report's keys, read once per run (by the job's creator). */
export function kmsAccountsOf(kms: KmsService, p: Principal): (kmsId: string) => Promise<KmsAccountRecord> {
  const seen = new Map<string, Promise<KmsAccountRecord>>();
  return (kmsId) => {
    let found = seen.get(kmsId);
    if (!found) {
      found = kms.find(p, kmsId);
      seen.set(kmsId, found);
      found.catch(() => seen.delete(kmsId));
    }
    return found;
  };
}
