import type { ListQuery } from '../common/list.js';
import type { KeyRecord } from '../common/records.js';

export type NewKeyRecord = Pick<
  KeyRecord,
  | 'id'
  | 'account'
  | 'kmsId'
  | 'region'
  | 'cloudName'
  | 'policyTemplateId'
  | 'keyAdmins'
  | 'keyAdminsRoles'
  | 'keyUsers'
  | 'keyUsersRoles'
  | 'externalAccounts'
  | 'createdBy'
  | 'keySpec'
  | 'keyUsage'
  | 'keyType'
  | 'origin'
  | 'keyMaterialOrigin'
>;

export type KeyChanges = Partial<Omit<KeyRecord, 'id' | 'account' | 'kmsId' | 'region' | 'createdAt' | 'updatedAt'>>;

/** List filters; each array means "any of these values", filters combine with AND. */
export interface KeyFilter {
  ids?: string[];
  kmsIds?: string[];
  regions?: string[];
  aliases?: string[];
  keyIds?: string[];
  arns?: string[];
  keyStates?: string[];
  keyUsages?: string[];
  origins?: string[];
  /** The AWS custom key store ids (CustomKeyStoreId) keys are in. */
  customKeyStoreIds?: string[];
  keyTypes?: string[];
  materialOrigins?: string[];
  keySpecs?: string[];
  cloudNames?: string[];
  multiRegionKeyTypes?: string[];
  templateIds?: string[];
  jobConfigIds?: string[];
  rotationStatuses?: string[];
  /** Every tag must be present: `{key}` or `{key, value}`. */
  tags?: { key: string; value?: string }[];
  gone?: boolean;
  multiRegion?: boolean;
  enabled?: boolean;
  /** Keys whose policy no longer matches their template. */
  policyDrift?: boolean;
  rotationJobEnabled?: boolean;
  /**
   * Case-insensitive substring of an alias, the AWS key id, the ARN or the description;
   * matched literally (`%` and `_` are not wildcards).
   */
  search?: string;
  /**
   * The permission scope (KMS account ACLs): a key matches when one entry holds its KMS
   * account and (origins null, or) its origin; a record without an origin yet counts as AWS_KMS.
   * An empty list matches nothing.
   */
  visible?: { kmsIds: string[]; origins: string[] | null }[];
}

/** What the key counts group by: the AWS key state or the region. */
export type KeyGroupBy = 'keyState' | 'region';

/** Counts of the matching keys per value of the grouped field (null: not known yet). */
export interface KeyCounts {
  total: number;
  counts: { value: string | null; count: number }[];
}

export interface KeyRepository {
  /** Inserts the record in state `creating`, before the provider is called. */
  reserve(row: NewKeyRecord): Promise<KeyRecord>;
  update(id: string, changes: KeyChanges): Promise<KeyRecord>;
  /**
   * Marks a reservation `failed` with `lastError` when it is still `creating` without an AWS
   * key id and was reserved more than `olderThanMs` ago (by the database clock). Returns the
   * record when it was marked, null when it no longer qualifies (completed meanwhile, or too recent).
   */
  failReservation(id: string, olderThanMs: number, lastError: string): Promise<KeyRecord | null>;
  find(account: string, id: string): Promise<KeyRecord | null>;
  list(account: string, filter: KeyFilter, q: ListQuery): Promise<{ total: number; rows: KeyRecord[] }>;
  /** The account's keys matching `filter`, counted per value of `groupBy`, largest first, at most `maxGroups`. */
  countBy(account: string, filter: KeyFilter, groupBy: KeyGroupBy, maxGroups: number): Promise<KeyCounts>;
  delete(id: string): Promise<void>;
  listByTemplate(templateId: string): Promise<KeyRecord[]>;
  /**
   * Records the outcome of a policy-template drift check (for callers that read a key's
   * policy without updating the rest of the record, e.g. synchronization).
   */
  setPolicyDrift(id: string, drift: boolean, checkedAt: Date | null): Promise<void>;
}
