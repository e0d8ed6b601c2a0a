import type { KeyRepository } from '../keys/key.repository.js';
import { keyData, derivedEventId, type EventSink } from './webhook-events.js';
import type { WebhookRepository } from './webhook.repository.js';

/** Keys noticed per statement. */
const BATCH = 500;

/**
 * key.material_expiring: keys whose imported material's ValidTo is within `days`, published
 * once per key and ValidTo across all instances (the notice row is claimed in the same
 * statement that finds the key). Run periodically by every instance; returns how many.
 */
export async function noticeExpiringMaterial(
  repo: Pick<WebhookRepository, 'claimExpiring'>,
  keys: Pick<KeyRepository, 'find'>,
  events: EventSink,
  days: number,
): Promise<number> {
  let total = 0;
  for (let n = BATCH; n === BATCH;) {
    const found = await repo.claimExpiring(days, BATCH);
    n = found.length;
    total += n;
    for (const e of found) {
      const key = await keys.find(e.account, e.keyId);
      if (!key) continue;
      const validTo = e.validTo.toISOString();
      events.publish(
        e.account,
        'key.material_expiring',
        {
          key: keyData(key),
          valid_to: validTo,
          days_left: Math.max(0, Math.floor((e.validTo.getTime() - Date.now()) / 86_400_000)),
        },
        derivedEventId(`key.material_expiring:${e.keyId}:${validTo}`),
      );
    }
  }
  return total;
}
