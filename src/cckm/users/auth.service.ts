import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../../auth/passwords.js';
import { BUILT_IN_GROUPS, ROOT_ACCOUNT, type Principal } from '../../auth/principal.js';
import type { TokenService } from '../../auth/tokens.js';
import { ConflictError, RateLimitedError, UnauthenticatedError } from '../../errors/index.js';
import type { UserRecord } from '../common/records.js';
import type { GroupRepository, LoginFailureRepository, UserRepository } from './user.repository.js';

export interface TokenResponse {
  jwt: string;
  token_type: 'Bearer';
  duration: number;
  refresh_token: string;
  refresh_token_id: string;
}

export const GROUP_DESCRIPTIONS: readonly { name: (typeof BUILT_IN_GROUPS)[number]; description: string }[] = [
  { name: 'admin', description: 'Administrators: every operation, including user management' },
  { name: 'cckm_admins', description: 'Key administrators: manage connections, KMS accounts, templates and keys' },
  { name: 'cckm_users', description: 'Key viewers: read-only access to key manager resources' },
];

export interface PasswordLogin {
  username: string;
  password: string;
  /** The account (tenant) of the user: the original product's `domain` / `auth_domain`. */
  domain?: string;
}

/** The name the original product's clients send for the top-level domain. */
const ORIGINAL_ROOT_DOMAIN = 'root';

/** Login failure rows deleted per statement while pruning. */
const PRUNE_BATCH = 1000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Password and refresh-token logins, and the bootstrap admin of a fresh installation. */
export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UserRepository,
    private readonly groups: GroupRepository,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTtlSeconds: number,
    private readonly failures: LoginFailureRepository,
    /**
     * After `maxFailures` failed logins in a row a username is locked for `lockSeconds`;
     * counts of usernames neither locked nor failing for `failureRetentionHours` are pruned.
     */
    private readonly lockout: { maxFailures: number; lockSeconds: number; failureRetentionHours?: number },
    /** Told about a user whose tokens were revoked here, so this instance's user-state cache forgets it at once. */
    private readonly onUserChange: (userId: string) => void = () => {},
  ) {}

  /**
   * Creates the `admin` user on an empty database. Returns the password when it was
   * generated (to be printed once), undefined when nothing was created or it was configured.
   */
  async bootstrap(configuredPassword?: string): Promise<{ created: boolean; generatedPassword?: string }> {
    await this.groups.ensureBuiltIns(ROOT_ACCOUNT, GROUP_DESCRIPTIONS);
    if (await this.users.anyUser()) return { created: false };
    const password = configuredPassword ?? randomBytes(18).toString('base64url');
    await this.users.create({
      id: randomUUID(),
      account: ROOT_ACCOUNT,
      username: 'admin',
      name: 'Bootstrap administrator',
      email: null,
      passwordHash: await this.passwords.hash(password),
      groups: ['admin'],
    });
    return configuredPassword ? { created: true } : { created: true, generatedPassword: password };
  }

  /**
   * Brute-force protection: failures are counted per (account, username) — known or not,
   * so a lock reveals nothing — in the database, shared by every instance; a locked
   * username is refused even with the right password until the lock expires. The account
   * is the one the username resolves to (so failures with and without `domain` add up),
   * else the `domain` named, else ''.
   * `onAccount` learns the account the attempt belongs to (for its audit record), also on failure.
   * @throws UnauthenticatedError with one message for unknown user, wrong password, disabled
   *   user, or a username several accounts have when no `domain` names one.
   * @throws RateLimitedError while the username is locked.
   */
  async passwordGrant(login: PasswordLogin, onAccount?: (account: string) => void): Promise<TokenResponse> {
    const { username, password } = login;
    const domain = login.domain || undefined;
    const user = await this.findLoginUser(username, domain);
    const named = domain === ORIGINAL_ROOT_DOMAIN ? ROOT_ACCOUNT : domain;
    onAccount?.(user?.account ?? named ?? ROOT_ACCOUNT);
    const throttleKey = user?.account ?? named ?? '';
    const locked = await this.failures.lockedUntil(throttleKey, username);
    if (locked)
      throw new RateLimitedError(`Too many failed logins for this username; try again after ${locked.toISOString()}`);
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const ok = await this.passwords.verify(
      password,
      user?.passwordHash ?? (await (this.dummyHash ??= this.passwords.hash(randomUUID()))),
    );
    if (!user || !ok || user.disabled) {
      await this.failures.recordFailure(
        throttleKey,
        username,
        this.lockout.maxFailures,
        this.lockout.lockSeconds * 1000,
      );
      throw new UnauthenticatedError('Invalid username or password');
    }
    await this.failures.clear(throttleKey, username);
    await this.users.update(user.id, { lastLoginAt: new Date() });
    return this.issue(user);
  }

  /**
   * The user a login names: `domain` is the account; without one, the username must be
   * unique across accounts. `root` (the original product's top-level domain, which clients
   * send by default) names the root account, or counts as no domain when no such user is there.
   */
  private async findLoginUser(username: string, domain: string | undefined): Promise<UserRecord | null> {
    if (domain) {
      const account = domain === ORIGINAL_ROOT_DOMAIN ? ROOT_ACCOUNT : domain;
      const user = await this.users.findByUsername(account, username);
      if (user || domain !== ORIGINAL_ROOT_DOMAIN) return user;
    }
    const matches = await this.users.findAllByUsername(username, 2);
    return matches.length === 1 ? matches[0]! : null;
  }

  /**
   * Deletes failure counts that no longer matter (no lock in force, last failure older than
   * the retention, default a day), so usernames tried once do not pile up; returns how many.
   */
  async pruneLoginFailures(): Promise<number> {
    const olderThanMs = (this.lockout.failureRetentionHours ?? 24) * 3_600_000;
    let total = 0;
    for (let n = PRUNE_BATCH; n === PRUNE_BATCH; total += n) n = await this.failures.prune(olderThanMs, PRUNE_BATCH);
    return total;
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token; the old
   * one stops working (rotation), so a stolen token is usable once at most.
   * @throws UnauthenticatedError for an unknown, expired, used or revoked token, or a disabled user.
   */
  async refreshGrant(refreshToken: string, onAccount?: (account: string) => void): Promise<TokenResponse> {
    const row = await this.users.findRefreshToken(sha256(refreshToken));
    if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) {
      throw new UnauthenticatedError('Refresh token is not valid');
    }
    const user = await this.users.findById(row.userId);
    if (user) onAccount?.(user.account);
    if (!user || user.disabled || !(await this.users.revokeRefreshToken(row.id))) {
      throw new UnauthenticatedError('Refresh token is not valid');
    }
    return this.issue(user);
  }

  /**
   * Revokes one refresh token (logout of one session). Unknown, spent or expired tokens
   * are not an error: the answer reveals nothing about the token.
   */
  async revokeRefreshToken(refreshToken: string, onAccount?: (account: string) => void): Promise<void> {
    const row = await this.users.findRefreshToken(sha256(refreshToken));
    if (!row) return;
    const user = await this.users.findById(row.userId);
    if (user) onAccount?.(user.account);
    if (!row.revokedAt) await this.users.revokeRefreshToken(row.id);
  }

  /**
   * Ends every session of the caller: every access token issued so far stops working
   * (token version) and every refresh token is revoked.
   * @throws ConflictError for a user of an external issuer (revoked at that issuer).
   */
  async logout(p: Principal): Promise<void> {
    if (p.issuer)
      throw new ConflictError(`Tokens of the external issuer ${p.issuer} are revoked at that issuer, not here`);
    await this.users.bumpTokenVersion(p.userId);
    this.onUserChange(p.userId);
    await this.users.revokeRefreshTokens(p.userId);
  }

  private async issue(user: UserRecord): Promise<TokenResponse> {
    const refresh = randomBytes(32).toString('base64url');
    const refreshId = randomUUID();
    await this.users.createRefreshToken({
      id: refreshId,
      userId: user.id,
      tokenHash: sha256(refresh),
      expiresAt: new Date(Date.now() + this.refreshTtlSeconds * 1000),
    });
    const t = await this.tokens.issue(toPrincipal(user), refreshId, user.tokenVersion);
    return {
      jwt: t.jwt,
      token_type: 'Bearer',
      duration: t.duration,
      refresh_token: refresh,
      refresh_token_id: refreshId,
    };
  }
}

function toPrincipal(u: { id: string; username: string; account: string; groups: string[] }): Principal {
  return { userId: u.id, username: u.username, account: u.account, groups: u.groups };
}
