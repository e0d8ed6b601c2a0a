import { createHmac, randomBytes } from 'node:crypto';
import { deriveTenantAccount, EmulatorTenancy } from '../../../src/emulator/tenant-accounts.js';
import type { AppError } from '../../../src/errors/index.js';

const ROOT_ACCOUNT_ID = '123456789012';
const CREDENTIALS = {
  AKIASHARED: { secretAccessKey: 'shared-secret', accountId: '111122223333' },
  AKIAROOT: { secretAccessKey: 'root-secret', accountId: ROOT_ACCOUNT_ID },
};
const key = Buffer.alloc(32, 7);
const tenancy = (k: Uint8Array = key) =>
  new EmulatorTenancy({ key: k, rootTenant: 'kylo', rootAccountId: ROOT_ACCOUNT_ID, credentials: CREDENTIALS });

const accountOf = (r: ReturnType<EmulatorTenancy['resolve']>) =>
  'accountId' in r ? r.accountId : `refused ${r.error.awsName}`;
const errorOf = (r: ReturnType<EmulatorTenancy['resolve']>): AppError => {
  if (!('error' in r)) throw new Error(`expected a refusal, got account ${r.accountId}`);
  return r.error;
};

describe('a tenant’s own emulator account', () => {
  it('the root tenant keeps EMULATOR_ACCOUNT_ID', () => {
    expect(tenancy().accountOf('kylo')).toBe(ROOT_ACCOUNT_ID);
  });

  it('is 12 digits, stable for the same key (another instance, a restart) and distinct per tenant', () => {
    const acme = tenancy().accountOf('acme');
    expect(acme).toMatch(/^\d{12}$/);
    expect(tenancy().accountOf('acme')).toBe(acme);
    const tenants = Array.from({ length: 200 }, (_, i) => `tenant-${i}`);
    const accounts = new Set(tenants.map((t) => tenancy().accountOf(t)));
    expect(accounts.size).toBe(tenants.length);
    expect(accounts.has(ROOT_ACCOUNT_ID)).toBe(false);
  });

  it('depends on the server key: another installation derives other accounts', () => {
    expect(tenancy(randomBytes(32)).accountOf('acme')).not.toBe(tenancy().accountOf('acme'));
  });

  it('is HMAC-SHA256(key, "0:<tenant>") reduced to 12 digits', () => {
    const mac = createHmac('sha256', key).update('0:acme').digest();
    const expected = (mac.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0');
    expect(deriveTenantAccount(key, 'acme', new Set())).toBe(expected);
  });

  it('never yields a reserved account (EMULATOR_ACCOUNT_ID or an EMULATOR_CREDENTIALS account): the counter moves on', () => {
    const first = deriveTenantAccount(key, 'acme', new Set());
    const second = deriveTenantAccount(key, 'acme', new Set([first]));
    expect(second).toMatch(/^\d{12}$/);
    expect(second).not.toBe(first);
    const mac = createHmac('sha256', key).update('1:acme').digest();
    expect(second).toBe((mac.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0'));
    expect(deriveTenantAccount(key, 'acme', new Set([first, second]))).not.toMatch(
      new RegExp(`^(${first}|${second})$`),
    );
    // The tenancy reserves the configured accounts itself.
    const reserved = new EmulatorTenancy({
      key,
      rootTenant: 'kylo',
      rootAccountId: ROOT_ACCOUNT_ID,
      credentials: { AKIAX: { secretAccessKey: 's', accountId: first } },
    });
    expect(reserved.accountOf('acme')).toBe(second);
  });
});

describe('the account an emulator connection reaches', () => {
  it('without credentials: its tenant’s own account', () => {
    expect(accountOf(tenancy().resolve({ tenant: 'kylo' }))).toBe(ROOT_ACCOUNT_ID);
    expect(accountOf(tenancy().resolve({ tenant: 'acme' }))).toBe(tenancy().accountOf('acme'));
  });

  it('with an EMULATOR_CREDENTIALS key and its secret: that key’s account, whatever the tenant', () => {
    expect(
      accountOf(tenancy().resolve({ tenant: 'acme', accessKeyId: 'AKIASHARED', secretAccessKey: 'shared-secret' })),
    ).toBe('111122223333');
    expect(
      accountOf(tenancy().resolve({ tenant: 'acme', accessKeyId: 'AKIAROOT', secretAccessKey: 'root-secret' })),
    ).toBe(ROOT_ACCOUNT_ID);
  });

  it('an unknown key: UnrecognizedClientException; a wrong secret: InvalidSignatureException (both provider auth errors)', () => {
    const unknown = errorOf(tenancy().resolve({ tenant: 'acme', accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' }));
    expect(unknown).toMatchObject({ awsName: 'UnrecognizedClientException', code: 'Unauthenticated' });
    const wrong = errorOf(
      tenancy().resolve({ tenant: 'acme', accessKeyId: 'AKIAROOT', secretAccessKey: 'root-secreT' }),
    );
    expect(wrong).toMatchObject({ awsName: 'InvalidSignatureException', code: 'Unauthenticated' });
    expect(errorOf(tenancy().resolve({ tenant: 'acme', accessKeyId: 'AKIAROOT', secretAccessKey: '' })).awsName).toBe(
      'InvalidSignatureException',
    );
    expect(errorOf(tenancy().resolve({ tenant: 'kylo', secretAccessKey: 'root-secret' })).awsName).toBe(
      'UnrecognizedClientException',
    );
    expect(wrong.message).not.toContain('root-secret');
  });

  it('a role must be in the account reached; another account’s role is AccessDenied', () => {
    const acme = tenancy().accountOf('acme');
    expect(accountOf(tenancy().resolve({ tenant: 'acme', assumeRoleArn: `arn:aws:iam::${acme}:role/cckm` }))).toBe(
      acme,
    );
    expect(
      accountOf(tenancy().resolve({ tenant: 'kylo', assumeRoleArn: `arn:aws:iam::${ROOT_ACCOUNT_ID}:role/x/y` })),
    ).toBe(ROOT_ACCOUNT_ID);
    const shared = { tenant: 'acme', accessKeyId: 'AKIASHARED', secretAccessKey: 'shared-secret' };
    expect(accountOf(tenancy().resolve({ ...shared, assumeRoleArn: 'arn:aws:iam::111122223333:role/r' }))).toBe(
      '111122223333',
    );
    for (const caller of [
      { tenant: 'acme', assumeRoleArn: `arn:aws:iam::${ROOT_ACCOUNT_ID}:role/cckm` },
      { ...shared, assumeRoleArn: `arn:aws:iam::${ROOT_ACCOUNT_ID}:role/cckm` },
      { tenant: 'acme', assumeRoleArn: 'not-an-arn' },
    ]) {
      expect(errorOf(tenancy().resolve(caller)).awsName).toBe('AccessDenied');
    }
  });
});
