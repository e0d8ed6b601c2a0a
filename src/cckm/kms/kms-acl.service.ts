import { assertCanWrite, type Principal } from '../../auth/principal.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsAccountRepository } from '../connections/connection.repository.js';
import type { GroupRepository, UserRepository } from '../users/user.repository.js';
import { aclEntries, isKmsPermission, LEGACY_PERMISSIONS, type KmsAclEntry, type KmsPermission } from './kms-acls.js';
import type { KmsService, KmsView } from './kms.service.js';

/** `POST /cckm/aws/kms/{id}/update-acls` as the client sends it. */
export interface UpdateAclsInput {
  acls?: unknown;
}

/** One checked change: grant (`permit: true`) or revoke (`permit: false`) actions of one user or group. */
export interface AclChange {
  user_id?: string;
  group?: string;
  actions: KmsPermission[];
  permit: boolean;
}

/** Changes per request, entries per KMS account, and the length of a user id or group name. */
const MAX_CHANGES = 100;
const MAX_ENTRIES = 500;
const MAX_NAME = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks an update-acls body, naming the field at fault: `acls` holds 1–100 entries, each
 * with exactly one of `user_id` and `group`, `actions` (1–64 permission names; the legacy
 * `view` expands to viewnative + viewbyok) and a boolean `permit`.
 * @throws ValidationError
 */
export function parseAclChanges(body: UpdateAclsInput): AclChange[] {
  const acls = body.acls;
  if (!Array.isArray(acls) || acls.length === 0 || acls.length > MAX_CHANGES)
    throw ValidationError.field('acls', `must list 1 to ${MAX_CHANGES} entries`);
  return acls.map((raw: unknown, i) => {
    const at = `acls[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw ValidationError.field(at, 'must be an object');
    const e = raw as Record<string, unknown>;
    const unknownField = Object.keys(e).find((k) => !['user_id', 'group', 'actions', 'permit'].includes(k));
    if (unknownField)
      throw ValidationError.field(`${at}.${unknownField.slice(0, 40)}`, 'is not a field of an ACL entry');
    if ((e.user_id === undefined) === (e.group === undefined))
      throw ValidationError.field(at, 'must name exactly one of user_id and group');
    const who = e.user_id !== undefined ? 'user_id' : 'group';
    const name = e[who];
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME)
      throw ValidationError.field(`${at}.${who}`, `must be a string of 1 to ${MAX_NAME} characters`);
    if (typeof e.permit !== 'boolean') throw ValidationError.field(`${at}.permit`, 'is required: true or false');
    if (!Array.isArray(e.actions) || e.actions.length === 0 || e.actions.length > 64)
      throw ValidationError.field(`${at}.actions`, 'must list 1 to 64 permission names');
    const actions = new Set<KmsPermission>();
    e.actions.forEach((a: unknown, j) => {
      const legacy = typeof a === 'string' ? LEGACY_PERMISSIONS[a] : undefined;
      if (legacy) legacy.forEach((x) => actions.add(x));
      else if (typeof a === 'string' && isKmsPermission(a)) actions.add(a);
      else throw ValidationError.field(`${at}.actions[${j}]`, 'is not a KMS account permission name');
    });
    return { [who]: name, actions: [...actions], permit: e.permit };
  });
}

/**
 * The entries after the changes, in order: a grant adds its actions to the entry of that
 * user or group (creating it), a revoke removes them (as the original does) and drops an
 * entry left with none.
 */
export function applyAclChanges(current: readonly KmsAclEntry[], changes: readonly AclChange[]): KmsAclEntry[] {
  const next = current.map((e) => ({ ...e, actions: [...e.actions] }));
  for (const c of changes) {
    const same = (e: KmsAclEntry) => (c.user_id !== undefined ? e.user_id === c.user_id : e.group === c.group);
    let entry = next.find(same);
    if (!entry) {
      if (!c.permit) continue;
      entry = c.user_id !== undefined ? { user_id: c.user_id, actions: [] } : { group: c.group!, actions: [] };
      next.push(entry);
    }
    const held = new Set(entry.actions);
    for (const a of c.actions) {
      if (c.permit) held.add(a);
      else held.delete(a);
    }
    entry.actions = [...held].sort();
  }
  return next.filter((e) => e.actions.length > 0);
}

/** Changes the ACL entries of KMS accounts (admin and cckm_admins). */
export class KmsAclService {
  constructor(
    private readonly repo: KmsAccountRepository,
    private readonly kms: KmsService,
    private readonly users: UserRepository,
    private readonly groups: GroupRepository,
  ) {}

  /**
   * Applies the changes and answers the KMS account with its `acls[]`. Users must exist in the
   * caller's account, groups too; a concurrent change is merged (compare-and-set, retried).
   * @throws ForbiddenError (not admin or cckm_admins); NotFoundError; ValidationError naming the field; ConflictError
   */
  async updateAcls(p: Principal, idOrName: string, body: UpdateAclsInput): Promise<KmsView> {
    assertCanWrite(p);
    const kms = await this.kms.find(p, idOrName);
    const changes = parseAclChanges(body);
    await this.checkPrincipals(p, changes);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.repo.findById(kms.id);
      if (!current || current.account !== p.account) throw new NotFoundError(`KMS account ${idOrName} not found`);
      const next = applyAclChanges(aclEntries(current), changes);
      if (next.length > MAX_ENTRIES)
        throw ValidationError.field('acls', `a KMS account holds at most ${MAX_ENTRIES} ACL entries`);
      const saved = await this.repo.setAcls(kms.id, current.acls, next);
      if (saved) {
        this.kms.forgetCached();
        return this.kms.get(p, kms.id);
      }
    }
    throw new ConflictError(`The ACLs of KMS account ${kms.name} kept changing; try again`);
  }

  /** @throws ValidationError naming `acls[i].user_id` or `acls[i].group` that is not of the caller's account */
  private async checkPrincipals(p: Principal, changes: readonly AclChange[]): Promise<void> {
    for (const [i, c] of changes.entries()) {
      if (c.user_id !== undefined) {
        const u = UUID.test(c.user_id) ? await this.users.findById(c.user_id) : null;
        if (!u || u.account !== p.account)
          throw ValidationError.field(`acls[${i}].user_id`, 'no user with this id in this account');
      } else if (!(await this.groups.find(p.account, c.group!)))
        throw ValidationError.field(`acls[${i}].group`, 'no group of this name in this account');
    }
  }
}
