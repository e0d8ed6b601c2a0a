import type { Principal } from '../../auth/principal.js';
import { ForbiddenError } from '../../errors/index.js';
import type { KmsAccountRecord } from '../common/records.js';

/**
 * The permission model per KMS account (issue 15 item 2): the original's ACL permission
 * names (CipherTrust CCKM's `acls[].actions`) plus `keyrotationjob` (attaching keys to
 * rotation job configs). Every route that touches the keys, custom key stores, jobs or
 * reports of a KMS account asks {@link KmsAcls} before it acts.
 */
export const KMS_PERMISSIONS = [
  'keycreate',
  'keyupload',
  'keydelete',
  'keycanceldelete',
  'keyupdate',
  'keyrotate',
  'keymaterialimport',
  'keymaterialdelete',
  'keysynchronize',
  'keybulkoperation',
  'keyrotationjob',
  'viewnative',
  'viewbyok',
  'reportcreate',
  'reportdelete',
  'reportdownload',
  'reportview',
  'hyokkeycreate',
  'hyokkeyblockunblock',
  'hyokkeydelete',
  'hyokkeylink',
  'viewhyokkey',
  'cloudhsmkeycreate',
  'cloudhsmkeydelete',
  'viewcloudhsmkey',
  'keystoreadd',
  'keystoreupdate',
  'keystoredelete',
  'keystoreblock',
  'keystoreunblock',
  'keystoreconnect',
  'keystoredisconnect',
  'keystorelink',
  'viewkeystore',
] as const;

export type KmsPermission = (typeof KMS_PERMISSIONS)[number];

/** The legacy name the original still accepts: expanded to these on input. */
export const LEGACY_PERMISSIONS: Readonly<Record<string, readonly KmsPermission[]>> = {
  view: ['viewnative', 'viewbyok'],
};

/** The permissions that only read: what `cckm_users` hold on a KMS account without ACL entries. */
export const VIEW_PERMISSIONS: readonly KmsPermission[] = [
  'viewnative',
  'viewbyok',
  'viewhyokkey',
  'viewcloudhsmkey',
  'viewkeystore',
  'reportview',
  'reportdownload',
];

/** Any one of these lets a user see a key record (and the KMS account it belongs to). */
export const KEY_VIEW_PERMISSIONS: readonly KmsPermission[] = [
  'viewnative',
  'viewbyok',
  'viewhyokkey',
  'viewcloudhsmkey',
];

/** One stored ACL entry (`kms_accounts.acls`, answered as is in `acls[]`): a user or a group. */
export interface KmsAclEntry {
  user_id?: string;
  group?: string;
  actions: KmsPermission[];
}

const PERMISSION_SET = new Set<string>(KMS_PERMISSIONS);

export function isKmsPermission(name: string): name is KmsPermission {
  return PERMISSION_SET.has(name);
}

/** Groups with every right on every KMS account of their tenant, whatever its ACLs say. */
export function hasFullRights(p: Principal): boolean {
  return p.groups.includes('admin') || p.groups.includes('cckm_admins');
}

/** The stored ACL entries of a KMS account; anything malformed in the column counts as no entry. */
export function aclEntries(kms: Pick<KmsAccountRecord, 'acls'>): KmsAclEntry[] {
  if (!Array.isArray(kms.acls)) return [];
  return (kms.acls as unknown[]).flatMap((e) => {
    if (!e || typeof e !== 'object') return [];
    const { user_id, group, actions } = e as Record<string, unknown>;
    if (!Array.isArray(actions)) return [];
    const entry: KmsAclEntry = { actions: actions.filter((a): a is KmsPermission => isKmsPermission(String(a))) };
    if (typeof user_id === 'string') entry.user_id = user_id;
    else if (typeof group === 'string') entry.group = group;
    else return [];
    return [entry];
  });
}

/**
 * The permissions a principal holds on one KMS account.
 * - `admin` and `cckm_admins`: all of them.
 * - A KMS account with no ACL entries keeps the behaviour from before ACLs existed:
 *   `cckm_users` may view ({@link VIEW_PERMISSIONS}), nobody else holds anything.
 * - A KMS account with ACL entries: exactly the union of the entries naming the user's id
 *   or one of their groups (a `cckm_users` member without an entry sees nothing of it).
 */
export function permissionsOn(p: Principal, kms: Pick<KmsAccountRecord, 'acls' | 'account'>): Set<KmsPermission> {
  if (kms.account !== p.account) return new Set();
  if (hasFullRights(p)) return new Set(KMS_PERMISSIONS);
  const entries = aclEntries(kms);
  if (entries.length === 0) return new Set(p.groups.includes('cckm_users') ? VIEW_PERMISSIONS : []);
  const held = new Set<KmsPermission>();
  for (const e of entries) {
    if (e.user_id === p.userId || (e.group !== undefined && p.groups.includes(e.group))) {
      for (const a of e.actions) held.add(a);
    }
  }
  return held;
}

/** Whether the principal holds `permission` (or, given a list, any one of them) on the KMS account. */
export function isPermitted(
  p: Principal,
  kms: Pick<KmsAccountRecord, 'acls' | 'account'>,
  permission: KmsPermission | readonly KmsPermission[],
): boolean {
  const held = permissionsOn(p, kms);
  return typeof permission === 'string' ? held.has(permission) : permission.some((x) => held.has(x));
}

/** Where the checker reads KMS accounts (KmsService: cached per instance, tenant-scoped). */
export interface KmsAccountSource {
  /** @throws NotFoundError when the account has no such KMS account */
  find(p: Principal, idOrName: string): Promise<KmsAccountRecord>;
  /** Every KMS account of a tenant. */
  all(account: string): Promise<KmsAccountRecord[]>;
}

/**
 * The one permission check of the key manager. Services call
 * `assertPermitted(principal, kmsAccount, permission)` before they act on a KMS account's
 * keys, stores, jobs or reports, and list queries restrict themselves to
 * `viewableKmsIds(principal, permission)`.
 */
export class KmsAcls {
  constructor(private readonly source: KmsAccountSource) {}

  /**
   * Checks that the principal holds the permission (or any one of a list) on the KMS account,
   * given by id or name or as the record already loaded; returns the record.
   * @throws NotFoundError (no such KMS account in the caller's account); ForbiddenError naming the permission and the KMS account
   */
  async assertPermitted(
    p: Principal,
    kms: string | KmsAccountRecord,
    permission: KmsPermission | readonly KmsPermission[],
  ): Promise<KmsAccountRecord> {
    const record = typeof kms === 'string' ? await this.source.find(p, kms) : kms;
    if (!isPermitted(p, record, permission)) {
      const names =
        typeof permission === 'string'
          ? `the ${permission} permission`
          : permission.length > 4
            ? 'every permission'
            : `the ${permission.join(' or ')} permission`;
      throw new ForbiddenError(`This user lacks ${names} on KMS account ${record.name}`);
    }
    return record;
  }

  /** Whether the principal holds the permission (or any one of a list) on the KMS account. */
  async permitted(
    p: Principal,
    kms: string | KmsAccountRecord,
    permission: KmsPermission | readonly KmsPermission[],
  ): Promise<boolean> {
    const record = typeof kms === 'string' ? await this.source.find(p, kms) : kms;
    return isPermitted(p, record, permission);
  }

  /**
   * The KMS accounts of the caller's tenant on which the principal holds the permission (or
   * any one of a list): `'all'` for admin and cckm_admins, otherwise their ids (possibly none).
   * A list filters to these; it does not fail.
   */
  async viewableKmsIds(
    p: Principal,
    permission: KmsPermission | readonly KmsPermission[] = KEY_VIEW_PERMISSIONS,
  ): Promise<'all' | string[]> {
    if (hasFullRights(p)) return 'all';
    const accounts = await this.source.all(p.account);
    return accounts.filter((k) => isPermitted(p, k, permission)).map((k) => k.id);
  }

  /**
   * Which key records the principal may see: `'all'` for admin and cckm_admins, otherwise
   * KMS accounts grouped by the key origins visible in them (viewnative → AWS_KMS, viewbyok →
   * EXTERNAL, viewhyokkey → EXTERNAL_KEY_STORE, viewcloudhsmkey → AWS_CLOUDHSM; origins null:
   * all of them). An empty list: no key at all.
   */
  async keyScopes(p: Principal): Promise<'all' | KeyScope[]> {
    if (hasFullRights(p)) return 'all';
    const groups = new Map<string, KeyScope>();
    for (const k of await this.source.all(p.account)) {
      const origins = visibleOrigins(permissionsOn(p, k));
      if (origins?.length === 0) continue;
      const id = origins ? origins.join(',') : '*';
      const scope = groups.get(id) ?? { kmsIds: [], origins };
      scope.kmsIds.push(k.id);
      groups.set(id, scope);
    }
    return [...groups.values()];
  }
}

/** Key records of these KMS accounts with one of these origins (null: any origin). */
export interface KeyScope {
  kmsIds: string[];
  origins: string[] | null;
}

/**
 * Narrows a list filter's KMS account ids to those viewable: `undefined` stays "no filter"
 * when everything is viewable; otherwise the intersection (an empty list matches nothing).
 */
export function restrictKmsIds(wanted: string[] | undefined, viewable: 'all' | string[]): string[] | undefined {
  if (viewable === 'all') return wanted;
  if (!wanted) return viewable;
  const allowed = new Set(viewable);
  return wanted.filter((id) => allowed.has(id));
}

/** The key kinds the original's permissions distinguish, by AWS origin (a record not yet read counts as native). */
const KIND_OF_ORIGIN: Readonly<Record<string, 'native' | 'byok' | 'hyok' | 'cloudhsm'>> = {
  AWS_KMS: 'native',
  EXTERNAL: 'byok',
  EXTERNAL_KEY_STORE: 'hyok',
  AWS_CLOUDHSM: 'cloudhsm',
};

const VIEW_OF_KIND = {
  native: 'viewnative',
  byok: 'viewbyok',
  hyok: 'viewhyokkey',
  cloudhsm: 'viewcloudhsmkey',
} as const;
const DELETE_OF_KIND = {
  native: 'keydelete',
  byok: 'keydelete',
  hyok: 'hyokkeydelete',
  cloudhsm: 'cloudhsmkeydelete',
} as const;

/** The permission that shows a key of this origin: viewnative, viewbyok, viewhyokkey or viewcloudhsmkey. */
export function keyViewPermission(origin: string | null): KmsPermission {
  return VIEW_OF_KIND[KIND_OF_ORIGIN[origin ?? 'AWS_KMS'] ?? 'native'];
}

/** The permission that deletes a key of this origin (schedule-deletion, forgetting the record). */
export function keyDeletePermission(origin: string | null): KmsPermission {
  return DELETE_OF_KIND[KIND_OF_ORIGIN[origin ?? 'AWS_KMS'] ?? 'native'];
}

/** The AWS origins whose keys a set of permissions shows (null: every origin). */
function visibleOrigins(held: ReadonlySet<KmsPermission>): string[] | null {
  const origins = Object.keys(KIND_OF_ORIGIN).filter((o) => held.has(keyViewPermission(o)));
  return origins.length === Object.keys(KIND_OF_ORIGIN).length ? null : origins;
}

const CREATE_OF_KIND = {
  native: 'keycreate',
  byok: 'keyupload',
  hyok: 'hyokkeycreate',
  cloudhsm: 'cloudhsmkeycreate',
} as const;

/** The permission that creates a key of this origin (an EXTERNAL key is a BYOK upload: keyupload). */
export function keyCreatePermission(origin: string | null | undefined): KmsPermission {
  return CREATE_OF_KIND[KIND_OF_ORIGIN[origin ?? 'AWS_KMS'] ?? 'native'];
}
