import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { BUILT_IN_GROUPS, ROOT_ACCOUNT, type Principal } from '../../auth/principal.js';
import type { TokenService } from '../../auth/tokens.js';
import { RateLimitedError, UnauthenticatedError } from '../../errors/index.js';
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

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Password and refresh-token logins, and the bootstrap admin of a fresh installation. */
export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly users: UserRepository,
    private readonly groups: GroupRepository,
    private readonly tokens: TokenService,
    private readonly refreshTtlSeconds: number,
    private readonly failures: LoginFailureRepository,
    /** After `maxFailures` failed logins in a row a username is locked for `lockSeconds`. */
    private readonly lockout: { maxFailures: number; lockSeconds: number },
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
      passwordHash: await hashPassword(password),
      groups: ['admin'],
    });
    return configuredPassword ? { created: true } : { created: true, generatedPassword: password };
  }

  /**
   * Brute-force protection: failures are counted per username (known or not, so a lock
   * reveals nothing) in the database, shared by every instance; a locked username is
   * refused even with the right password until the lock expires.
   * @throws UnauthenticatedError with one message for unknown user, wrong password or disabled user.
   * @throws RateLimitedError while the username is locked.
   */
  async passwordGrant(username: string, password: string): Promise<TokenResponse> {
    const locked = await this.failures.lockedUntil(username);
    if (locked) throw new RateLimitedError(`Too many failed logins for this username; try again after ${locked.toISOString()}`);
    const user = await this.users.findByUsername(username);
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await (this.dummyHash ??= hashPassword(randomUUID()))));
    if (!user || !ok || user.disabled) {
      await this.failures.recordFailure(username, this.lockout.maxFailures, this.lockout.lockSeconds * 1000);
      throw new UnauthenticatedError('Invalid username or password');
    }
    await this.failures.clear(username);
    await this.users.update(user.id, { lastLoginAt: new Date() });
    return this.issue(user);
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token; the old
   * one stops working (rotation), so a stolen token is usable once at most.
   * @throws UnauthenticatedError for an unknown, expired, used or revoked token, or a disabled user.
   */
  async refreshGrant(refreshToken: string): Promise<TokenResponse> {
    const row = await this.users.findRefreshToken(sha256(refreshToken));
    if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) {
      throw new UnauthenticatedError('Refresh token is not valid');
    }
    const user = await this.users.findById(row.userId);
    if (!user || user.disabled || !(await this.users.revokeRefreshToken(row.id))) {
      throw new UnauthenticatedError('Refresh token is not valid');
    }
    return this.issue(user);
  }

  private async issue(user: { id: string; username: string; account: string; groups: string[] }): Promise<TokenResponse> {
    const refresh = randomBytes(32).toString('base64url');
    const refreshId = randomUUID();
    await this.users.createRefreshToken({
      id: refreshId,
      userId: user.id,
      tokenHash: sha256(refresh),
      expiresAt: new Date(Date.now() + this.refreshTtlSeconds * 1000),
    });
    return this.respond(toPrincipal(user), refreshId, refresh);
  }

  private respond(p: Principal, refreshId: string, refresh: string): TokenResponse {
    const t = this.tokens.issue(p, refreshId);
    return { jwt: t.jwt, token_type: 'Bearer', duration: t.duration, refresh_token: refresh, refresh_token_id: refreshId };
  }
}

function toPrincipal(u: { id: string; username: string; account: string; groups: string[] }): Principal {
  return { userId: u.id, username: u.username, account: u.account, groups: u.groups };
}
