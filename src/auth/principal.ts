import { ForbiddenError } from '../errors/index.js';

/** The built-in groups. admin: everything; cckm_admins: all key management; cckm_users: read-only. */
export const BUILT_IN_GROUPS = ['admin', 'cckm_admins', 'cckm_users'] as const;

/** The account a fresh installation's bootstrap admin belongs to (the original's `kylo`). */
export const ROOT_ACCOUNT = 'kylo';

/** Who is calling: taken from a verified token, never from request input. */
export interface Principal {
  userId: string;
  username: string;
  account: string;
  groups: readonly string[];
  /** Set for a user of an external issuer (no local user row; revoked at the issuer). */
  issuer?: string;
}

export function isAdmin(p: Principal): boolean {
  return p.groups.includes('admin');
}

/** Reads of CCKM resources: any of the built-in groups. */
export function assertCanRead(p: Principal): void {
  if (!BUILT_IN_GROUPS.some((g) => p.groups.includes(g))) {
    throw new ForbiddenError('This user is in no group that may read key manager resources');
  }
}

/** Admin or cckm_admins: may change key manager resources (and see what only they need). */
export function canWrite(p: Principal): boolean {
  return p.groups.includes('admin') || p.groups.includes('cckm_admins');
}

/** Changes to connections, KMS accounts, templates and keys: admin or cckm_admins. */
export function assertCanWrite(p: Principal): void {
  if (!canWrite(p)) {
    throw new ForbiddenError('This user may only read: changes need the admin or cckm_admins group');
  }
}

/** User and group management: admin only. */
export function assertAdmin(p: Principal): void {
  if (!isAdmin(p)) throw new ForbiddenError('User and group management needs the admin group');
}

/** The record fields every resource carries, in the original's format. */
export function ownership(account: string): { account: string; application: string; devAccount: string } {
  return {
    account: `kylo:kylo:admin:accounts:${account}`,
    application: `ncryptify:gemalto:admin:apps:${account}`,
    devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
  };
}
