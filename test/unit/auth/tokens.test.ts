import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TokenService, type ExternalIssuer, type TokenSettings } from '../../../src/auth/tokens.js';
import { UserStateCache, type UserState } from '../../../src/auth/user-state.js';
import { UnauthenticatedError } from '../../../src/errors/index.js';

const state = (over: Partial<UserState> = {}): UserState => ({
  account: 'acme',
  username: 'alice',
  groups: ['cckm_admins'],
  disabled: false,
  tokenVersion: 0,
  ...over,
});

describe('UserStateCache', () => {
  /** A loader over a mutable "database" that counts its reads. */
  function db(initial: UserState | null) {
    const s = { row: initial, reads: 0 };
    const load = async () => {
      s.reads++;
      return s.row;
    };
    return { s, load };
  }

  it('reads a user once per TTL, absent users too', async () => {
    let now = 1000;
    const { s, load } = db(state());
    const cache = new UserStateCache(load, 1000, 100, () => now);
    await cache.get('u1');
    await cache.get('u1');
    expect(s.reads).toBe(1);
    now += 1001;
    await cache.get('u1');
    expect(s.reads).toBe(2);
    s.row = null;
    now += 1001;
    expect(await cache.get('u1')).toBeNull();
    expect(await cache.get('u1')).toBeNull();
    expect(s.reads).toBe(3);
  });

  it('shares one read between concurrent misses', async () => {
    const { s, load } = db(state());
    const cache = new UserStateCache(load, 1000);
    await Promise.all([cache.get('u1'), cache.get('u1'), cache.get('u1')]);
    expect(s.reads).toBe(1);
  });

  it('serves no stale state after invalidate', async () => {
    const { s, load } = db(state());
    const cache = new UserStateCache(load, 60_000);
    expect((await cache.get('u1'))?.tokenVersion).toBe(0);
    s.row = state({ tokenVersion: 1 });
    expect((await cache.get('u1'))?.tokenVersion).toBe(0); // cached, as designed
    cache.invalidate('u1');
    expect((await cache.get('u1'))?.tokenVersion).toBe(1);
  });

  it('does not keep a read that was under way when the user was invalidated', async () => {
    let release!: (v: UserState) => void;
    let reads = 0;
    let current = state({ tokenVersion: 1 });
    const cache = new UserStateCache(async () => {
      reads++;
      if (reads === 1) return new Promise<UserState>((r) => (release = r));
      return current;
    }, 60_000);
    const slow = cache.get('u1'); // reads the row before the change ...
    await Promise.resolve();
    current = state({ tokenVersion: 2 });
    cache.invalidate('u1'); // ... the change lands ...
    release(state({ tokenVersion: 1 })); // ... and the old read finishes afterwards
    expect((await slow)?.tokenVersion).toBe(1);
    expect((await cache.get('u1'))?.tokenVersion).toBe(2);
    expect(reads).toBe(2);
  });

  it('with a TTL of 0 reads every time', async () => {
    const { s, load } = db(state());
    const cache = new UserStateCache(load, 0);
    await cache.get('u1');
    await cache.get('u1');
    expect(s.reads).toBe(2);
  });
});

describe('TokenService', () => {
  const settings: TokenSettings = { issuer: 'opencckm', audience: 'opencckm', ttlSeconds: 300, externalIssuers: [] };
  const key = randomBytes(32);
  const alice = { userId: 'u1', username: 'alice', account: 'acme', groups: ['cckm_admins'] };

  function service(initial: UserState | null) {
    const users = new Map<string, UserState | null>([['u1', initial]]);
    let reads = 0;
    const cache = new UserStateCache(async (id) => {
      reads++;
      return users.get(id) ?? null;
    }, 60_000);
    const tokens = new TokenService(key, settings, { userState: cache });
    return { tokens, cache, users, reads: () => reads };
  }

  it('answers the principal with the user’s current groups and name, not the token’s', async () => {
    const { tokens, cache, users } = service(state());
    const jwt = (await tokens.issue(alice, 'sid', 0)).jwt;
    expect(await tokens.verify(jwt)).toEqual(alice);
    users.set('u1', state({ groups: ['cckm_users'], username: 'alice2' }));
    cache.invalidate('u1');
    expect(await tokens.verify(jwt)).toEqual({ ...alice, username: 'alice2', groups: ['cckm_users'] });
  });

  it.each([
    ['a newer token version', state({ tokenVersion: 1 })],
    ['a disabled user', state({ disabled: true })],
    ['a deleted user', null],
    ['a user of another account', state({ account: 'beta' })],
  ])('refuses a token already verified once after the change: %s', async (_what, changed) => {
    const { tokens, cache, users } = service(state());
    const jwt = (await tokens.issue(alice, 'sid', 0)).jwt;
    await tokens.verify(jwt);
    users.set('u1', changed);
    cache.invalidate('u1');
    await expect(tokens.verify(jwt)).rejects.toThrow(UnauthenticatedError);
    await expect(tokens.verify(jwt)).rejects.toThrow(/revoked/);
  });

  it('checks the user through the cache: one read for many requests', async () => {
    const s = service(state());
    const jwt = (await s.tokens.issue(alice, 'sid', 0)).jwt;
    for (let i = 0; i < 5; i++) await s.tokens.verify(jwt);
    expect(s.reads()).toBe(1);
  });

  it('refuses an own token without the version claim', async () => {
    const { tokens } = service(state());
    const jwt = await new SignJWT({ acc: 'acme', cust: { groups: ['admin'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('opencckm')
      .setAudience('opencckm')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    await expect(tokens.verify(jwt)).rejects.toThrow(/ver/);
  });
});

describe('TokenService with an external issuer', () => {
  const IDP = 'https://idp.example';

  async function setup(issuer: Partial<ExternalIssuer> = {}) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const config: ExternalIssuer = {
      issuer: IDP,
      jwksUrl: `${IDP}/jwks.json`,
      audience: 'opencckm',
      account: 'acme',
      ...issuer,
    };
    let stateReads = 0;
    const tokens = new TokenService(
      randomBytes(32),
      { issuer: 'opencckm', audience: 'opencckm', ttlSeconds: 300, externalIssuers: [config] },
      {
        jwks: () => createLocalJWKSet({ keys: [jwk] }),
        userState: {
          get: async () => {
            stateReads++;
            return null;
          },
        },
      },
    );
    const sign = (claims: Record<string, unknown>, sub = 'idp-user-1') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(sub)
        .setIssuer(IDP)
        .setAudience('opencckm')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    return { tokens, sign, stateReads: () => stateReads };
  }

  it('takes the account and the groups from configuration, never from the token’s acc or group claims', async () => {
    const { tokens, sign, stateReads } = await setup({
      groups: { claim: 'groups', map: { 'idp-kms-admins': 'cckm_admins' } },
    });
    const jwt = await sign({
      acc: 'kylo',
      groups: ['admin', 'idp-kms-admins'],
      cust: { groups: ['admin'] },
      preferred_username: 'eve',
    });
    expect(await tokens.verify(jwt)).toEqual({
      userId: `${IDP}#idp-user-1`,
      username: 'eve',
      account: 'acme',
      groups: ['cckm_admins'],
      issuer: IDP,
    });
    // No local row to check: the user-state source is not consulted.
    expect(stateReads()).toBe(0);
  });

  it('gives the default groups, reads a dotted claim path, and drops unmapped names', async () => {
    const { tokens, sign } = await setup({
      defaultGroups: ['cckm_users'],
      groups: { claim: 'realm_access.roles', map: { 'kms-admin': 'cckm_admins' } },
    });
    const p = await tokens.verify(await sign({ realm_access: { roles: ['kms-admin', 'admin'] }, groups: ['admin'] }));
    expect(p.account).toBe('acme');
    expect([...p.groups].sort()).toEqual(['cckm_admins', 'cckm_users']);
    const none = await tokens.verify(await sign({ groups: ['admin'] }, 'idp-user-2'));
    expect(none.groups).toEqual(['cckm_users']);
  });

  it('without any group configuration an external user has no group', async () => {
    const { tokens, sign } = await setup();
    const p = await tokens.verify(await sign({ acc: 'kylo', groups: ['admin'], cust: { groups: ['admin'] } }));
    expect(p).toMatchObject({ account: 'acme', groups: [] });
  });

  it('refuses a token of that issuer signed by another key', async () => {
    const { tokens } = await setup();
    const other = await generateKeyPair('ES256');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('x')
      .setIssuer(IDP)
      .setAudience('opencckm')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(other.privateKey);
    await expect(tokens.verify(jwt)).rejects.toThrow(UnauthenticatedError);
  });
});
