import type { ListQuery } from '../common/list.js';
import type { GroupRecord, UserRecord } from '../common/records.js';

export type NewUser = Pick<UserRecord, 'id' | 'account' | 'username' | 'name' | 'email' | 'passwordHash' | 'groups'>;
export type UserChanges = Partial<
  Pick<UserRecord, 'name' | 'email' | 'passwordHash' | 'groups' | 'disabled' | 'lastLoginAt'>
> & {
  bumpTokenVersion?: boolean;
};

interface RefreshTokenRow {
  id: string;
  userId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface UserRepository {
  anyUser(): Promise<boolean>;
  /** The user of that username in that account (usernames are unique per account). */
  findByUsername(account: string, username: string): Promise<UserRecord | null>;
  /** Users of that username in any account, at most `limit`. */
  findAllByUsername(username: string, limit: number): Promise<UserRecord[]>;
  findById(id: string): Promise<UserRecord | null>;
  list(
    account: string,
    filter: { username?: string; group?: string },
    q: ListQuery,
  ): Promise<{ total: number; rows: UserRecord[] }>;
  create(user: NewUser): Promise<UserRecord>;
  update(id: string, changes: UserChanges): Promise<UserRecord>;
  delete(id: string): Promise<void>;
  countInGroup(account: string, group: string): Promise<number>;
  createRefreshToken(row: { id: string; userId: string; tokenHash: string; expiresAt: Date }): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null>;
  revokeRefreshTokens(userId: string): Promise<void>;
  /** Increments the user's token version: every access token issued before stops working. */
  bumpTokenVersion(id: string): Promise<void>;
  /** Revokes one refresh token; false when it was already revoked (a replay). */
  revokeRefreshToken(id: string): Promise<boolean>;
}

export interface GroupRepository {
  /** Creates the built-in groups of an account if missing. */
  ensureBuiltIns(account: string, groups: readonly { name: string; description: string }[]): Promise<void>;
  list(account: string, q: ListQuery): Promise<{ total: number; rows: GroupRecord[] }>;
  find(account: string, name: string): Promise<GroupRecord | null>;
  create(group: Pick<GroupRecord, 'id' | 'account' | 'name' | 'description'>): Promise<GroupRecord>;
  delete(account: string, name: string): Promise<void>;
}

/**
 * Consecutive failed logins of one username in one account, shared by every instance.
 * `account` is the account the username resolved to, else the `domain` the login named, else ''.
 */
export interface LoginFailureRepository {
  /** The time until which the username is locked, if it is. */
  lockedUntil(account: string, username: string): Promise<Date | null>;
  /**
   * Counts one more failure; once `maxFailures` are reached the username is locked until
   * `now + lockMs` and the count starts again. Returns the lock time when this failure set one.
   */
  recordFailure(account: string, username: string, maxFailures: number, lockMs: number): Promise<Date | null>;
  clear(account: string, username: string): Promise<void>;
  /** Deletes up to `batch` rows not locked now whose last failure is older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number, batch: number): Promise<number>;
}
