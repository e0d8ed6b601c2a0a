import { loadConfig } from '../../../src/config/config.js';
import { ValidationError } from '../../../src/errors/index.js';

function failure(env: Record<string, string>): ValidationError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('gives a working zero-setup default: embedded database, emulator on 4599, API on 8080', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      emulatorPort: 4599,
      emulatorEnabled: true,
      emulatorAccountId: '123456789012',
      dataDir: './.data',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.emulatorRegions).toContain('ap-south-1');
    expect(c.jwt.ttlSeconds).toBe(300);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ EMULATOR_ACCOUNT_ID: '12345' }, 'EMULATOR_ACCOUNT_ID'],
    [{ EMULATOR_REGIONS: 'us-east-1,moon-base' }, 'EMULATOR_REGIONS'],
    [{ CCKM_MASTER_KEY: Buffer.alloc(16).toString('base64') }, 'CCKM_MASTER_KEY'],
    [{ EMULATOR_ROOT_KEY: 'short' }, 'EMULATOR_ROOT_KEY'],
    [{ EMULATOR_ENABLED: 'maybe' }, 'EMULATOR_ENABLED'],
    [{ EMULATOR_CREDENTIALS: 'AKIA:secret:notanaccount' }, 'EMULATOR_CREDENTIALS'],
    [{ CCKM_ADMIN_PASSWORD: 'short' }, 'CCKM_ADMIN_PASSWORD'],
    [{ CCKM_JWT_EXTERNAL_ISSUERS: '{"not":"an array"}' }, 'CCKM_JWT_EXTERNAL_ISSUERS'],
    [
      { CCKM_JWT_EXTERNAL_ISSUERS: '[{"issuer":"x","jwksUrl":"ftp://x","audience":"a"}]' },
      'CCKM_JWT_EXTERNAL_ISSUERS[0].jwksUrl',
    ],
    [{ CCKM_JWT_TTL_SECONDS: '5' }, 'CCKM_JWT_TTL_SECONDS'],
    [
      { CCKM_JWT_EXTERNAL_ISSUERS: '[{"issuer":"x","jwksUrl":"https://x","audience":"a"}]' },
      'CCKM_JWT_EXTERNAL_ISSUERS[0].account',
    ],
    [
      {
        CCKM_JWT_EXTERNAL_ISSUERS:
          '[{"issuer":"x","jwksUrl":"https://x","audience":"a","account":"acme","groups":{"claim":"g"}}]',
      },
      'CCKM_JWT_EXTERNAL_ISSUERS[0].groups',
    ],
    [
      {
        CCKM_JWT_EXTERNAL_ISSUERS:
          '[{"issuer":"x","jwksUrl":"https://x","audience":"a","account":"acme","defaultGroups":"admin"}]',
      },
      'CCKM_JWT_EXTERNAL_ISSUERS[0].defaultGroups',
    ],
    [{ CCKM_USER_STATE_CACHE_MS: '5000' }, 'CCKM_USER_STATE_CACHE_MS'],
  ])('refuses %j naming %s, without echoing the value', (env, name) => {
    const err = failure(env as Record<string, string>);
    expect(err.details?.[0]?.field).toBe(name);
    for (const value of Object.values(env)) if (value.length > 6) expect(err.message).not.toContain(value);
  });

  it('maps an external issuer to its configured account and groups; the user-state cache defaults to 1 s', () => {
    const issuer = {
      issuer: 'https://idp',
      jwksUrl: 'https://idp/jwks',
      audience: 'cckm',
      account: 'acme',
      groups: { claim: 'groups', map: { 'idp-kms-admins': 'cckm_admins' } },
      defaultGroups: ['cckm_users'],
    };
    const c = loadConfig({ CCKM_JWT_EXTERNAL_ISSUERS: JSON.stringify([issuer]) });
    expect(c.jwt.externalIssuers).toEqual([issuer]);
    expect(c.jwt.userStateCacheMs).toBe(1000);
  });

  it('maps emulator access keys to accounts, defaulting to the emulator account', () => {
    const c = loadConfig({ EMULATOR_CREDENTIALS: 'AKIAONE:s1:111122223333, AKIATWO:s2' });
    expect(c.emulatorCredentials).toEqual({
      AKIAONE: { secretAccessKey: 's1', accountId: '111122223333' },
      AKIATWO: { secretAccessKey: 's2', accountId: '123456789012' },
    });
  });

  it('validates answers under NODE_ENV=test, and elsewhere only when asked (npm start runs the fast configuration)', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).validateResponses).toBe(false);
    expect(loadConfig({}).validateResponses).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CCKM_VALIDATE_RESPONSES: 'true' }).validateResponses).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).validateResponses).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', CCKM_VALIDATE_RESPONSES: 'false' }).validateResponses).toBe(false);
  });

  it('reads CCKM_APPROVAL_TTL_HOURS (default 72, 1 to 8760 hours) and refuses anything else naming it', () => {
    expect(loadConfig({}).approvalTtlHours).toBe(72);
    expect(loadConfig({ CCKM_APPROVAL_TTL_HOURS: '1' }).approvalTtlHours).toBe(1);
    for (const bad of ['0', '8761', '1.5', 'soon']) {
      expect(failure({ CCKM_APPROVAL_TTL_HOURS: bad }).message).toContain('CCKM_APPROVAL_TTL_HOURS');
    }
  });
});
