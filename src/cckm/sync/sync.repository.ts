import type { KeyEventFacts } from '../notifications/webhook-events.js';
import type { KeyRecord } from '../common/records.js';

/** One key as a sync read it from AWS, ready to be stored. */
export interface SyncedKey {
  /** Record id for a key that has no record yet. */
  newId: string;
  /** The `cckm_record_id` tag: the reservation a create made for this key, if any. */
  recordTag: string | null;
  /** The `cckm_policy_template_id` tag, linked when it names a template of this KMS account. */
  templateTag: string | null;
  columns: Pick<
    KeyRecord,
    | 'kmsKeyId'
    | 'arn'
    | 'keyType'
    | 'keyMaterialOrigin'
    | 'keyState'
    | 'keyUsage'
    | 'keySpec'
    | 'origin'
    | 'enabled'
    | 'multiRegion'
    | 'multiRegionKeyType'
    | 'customKeyStoreId'
    | 'aliases'
    | 'tags'
    | 'awsParam'
    | 'awsCreatedAt'
    | 'policyDrift'
  >;
}

/** Where a batch is stored: the records of one KMS account in one region. */
export interface SyncScope {
  account: string;
  kmsId: string;
  region: string;
  cloudName: string;
}

/** What one batch changed. */
export interface UpsertCounts {
  created: number;
  adopted: number;
  updated: number;
  /** Existing records whose key state changed or whose policy began to drift: before and after (for events). */
  changes: { before: KeyEventFacts; after: KeyEventFacts }[];
}

/** The key records a sync writes, in batches (one SQL statement each). */
export interface SyncRecordRepository {
  /**
   * Stores a batch of keys: adopts `creating` reservations named by their tag, inserts
   * records for keys without one, updates records that changed (unchanged rows are not
   * written), and clears `gone`. Keyed by (kms_id, region, kms_key_id): never a duplicate,
   * also when another instance or a create writes the same key at the same time.
   */
  upsert(scope: SyncScope, keys: SyncedKey[]): Promise<UpsertCounts>;
  /** Records of the scope that have an AWS key id not in `seen` and are not yet gone. */
  unseen(scope: SyncScope, seen: string[]): Promise<{ id: string; kmsKeyId: string }[]>;
  /** Marks records gone (AWS no longer has their key). */
  markGone(ids: string[]): Promise<number>;
  /**
   * Marks `failed` (with `lastError`) the reservations of the scope still `creating` without
   * an AWS key id and reserved more than `olderThanMs` ago (database clock): after a full
   * listing found no key tagged for them, AWS has none. `{id}` in `lastError` is replaced by
   * each record's id. Returns how many.
   */
  failUnclaimed(scope: SyncScope, olderThanMs: number, lastError: string): Promise<number>;
}
