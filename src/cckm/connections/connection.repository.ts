import type { ListQuery } from '../common/list.js';
import type { ConnectionRecord, KmsAccountRecord, PolicyTemplateRecord } from '../common/records.js';

export type NewConnection = Omit<
  ConnectionRecord,
  'createdAt' | 'updatedAt' | 'lastConnectionOk' | 'lastConnectionError' | 'lastConnectionAt'
>;
export type ConnectionChanges = Partial<Omit<ConnectionRecord, 'id' | 'account' | 'name' | 'createdAt' | 'updatedAt'>>;

export interface ConnectionFilter {
  name?: string;
  provider?: string;
  cloudName?: string;
}

export interface ConnectionRepository {
  /** By id or name, within the account. */
  find(account: string, idOrName: string): Promise<ConnectionRecord | null>;
  findById(id: string): Promise<ConnectionRecord | null>;
  list(account: string, filter: ConnectionFilter, q: ListQuery): Promise<{ total: number; rows: ConnectionRecord[] }>;
  create(c: NewConnection): Promise<ConnectionRecord>;
  update(id: string, changes: ConnectionChanges): Promise<ConnectionRecord>;
  delete(id: string): Promise<void>;
  countKmsAccounts(connectionId: string): Promise<number>;
}

export type NewKmsAccount = Omit<
  KmsAccountRecord,
  'createdAt' | 'updatedAt' | 'status' | 'autoAdded' | 'acls' | 'approvalsRequired'
> & {
  acls?: unknown;
  approvalsRequired?: number;
};
export type KmsAccountChanges = Partial<
  Pick<KmsAccountRecord, 'connectionId' | 'regions' | 'assumeRoleArn' | 'assumeRoleExternalId' | 'approvalsRequired'>
>;

export interface KmsAccountRepository {
  find(account: string, idOrName: string): Promise<KmsAccountRecord | null>;
  findById(id: string): Promise<KmsAccountRecord | null>;
  /** Several by id, for presenting lists of keys and templates. */
  findMany(ids: string[]): Promise<KmsAccountRecord[]>;
  list(
    account: string,
    /** `ids`: only these (the ACL scope; an empty list matches nothing). */
    filter: { name?: string; awsAccountId?: string; ids?: string[] },
    q: ListQuery,
  ): Promise<{ total: number; rows: KmsAccountRecord[] }>;
  create(k: NewKmsAccount): Promise<KmsAccountRecord>;
  update(id: string, changes: KmsAccountChanges): Promise<KmsAccountRecord>;
  /**
   * Replaces the ACL entries if they still equal `expected` (compare-and-set, so two
   * concurrent update-acls never lose one another's change); null when they changed meanwhile.
   */
  setAcls(id: string, expected: unknown, acls: unknown): Promise<KmsAccountRecord | null>;
  delete(id: string): Promise<void>;
  countReferences(kmsId: string): Promise<{ keys: number; templates: number }>;
}

export type NewPolicyTemplate = Omit<PolicyTemplateRecord, 'createdAt' | 'updatedAt' | 'isVerified'>;
export type PolicyTemplateChanges = Partial<
  Pick<
    PolicyTemplateRecord,
    'policy' | 'keyAdmins' | 'keyAdminsRoles' | 'keyUsers' | 'keyUsersRoles' | 'externalAccounts' | 'isVerified'
  >
>;

export interface PolicyTemplateRepository {
  find(account: string, idOrName: string): Promise<PolicyTemplateRecord | null>;
  list(
    account: string,
    filter: { name?: string; kmsId?: string },
    q: ListQuery,
  ): Promise<{ total: number; rows: PolicyTemplateRecord[] }>;
  create(t: NewPolicyTemplate): Promise<PolicyTemplateRecord>;
  update(id: string, changes: PolicyTemplateChanges): Promise<PolicyTemplateRecord>;
  delete(id: string): Promise<void>;
  countKeys(templateId: string): Promise<number>;
}
