import type { ListQuery } from '../common/list.js';

/** A source key of opencckm's XKS proxy as the API shows it: never the material. */
export interface XksKeyRecord {
  id: string;
  account: string;
  name: string | null;
  enabled: boolean;
  /** ENCRYPT and/or DECRYPT; may be empty (a key that can do neither). */
  keyUsage: string[];
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored row: the record plus the material sealed with SecretBox. */
export interface XksKeyRow extends XksKeyRecord {
  sealedMaterial: Uint8Array;
}

export type NewXksKey = Omit<XksKeyRow, 'createdAt' | 'updatedAt'>;

export interface XksKeyFilter {
  name?: string;
  enabled?: boolean;
}

/** Persistence of XKS proxy keys; every method is scoped to one account. */
export interface XksKeyRepository {
  /** By id or name, within the account; null when absent or in another account. */
  find(account: string, idOrName: string): Promise<XksKeyRow | null>;
  list(account: string, filter: XksKeyFilter, q: ListQuery): Promise<{ total: number; rows: XksKeyRow[] }>;
  /** @throws ConflictError when the name is taken in the account */
  create(key: NewXksKey): Promise<XksKeyRow>;
  /** null when the key is not in the account. */
  setEnabled(account: string, id: string, enabled: boolean): Promise<XksKeyRow | null>;
  /** false when the key is not in the account. */
  delete(account: string, id: string): Promise<boolean>;
}
