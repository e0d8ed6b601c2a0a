import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../../src/config/config.js';
import { loadEmulatorIdentities } from '../../../../src/emulator/standalone.js';

// EMULATOR_CREDENTIALS' principal field, EMULATOR_IDENTITIES and EMULATOR_AUTHZ_LOG: validated at start.

const base = { NODE_ENV: 'test', CCKM_DATA_DIR: '/tmp/opencckm-identity-config' };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cckm-identities-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('a fourth field makes the key a user or role of the account; absent is the account root', () => {
  const c = loadConfig({
    ...base,
    EMULATOR_CREDENTIALS:
      'AKIAROOT:s1:111122223333,AKIAALICE:s2:111122223333:user/alice,AKIAOPS:s3:111122223333:role/ops',
  });
  expect(c.emulatorCredentials).toEqual({
    AKIAROOT: { secretAccessKey: 's1', accountId: '111122223333' },
    AKIAALICE: { secretAccessKey: 's2', accountId: '111122223333', principal: 'user/alice' },
    AKIAOPS: { secretAccessKey: 's3', accountId: '111122223333', principal: 'role/ops' },
  });
  expect(c.emulatorAuthzLog).toBe('deny');
});

test.each([
  ['AKIAX:s:111122223333:group/admins', 'the fourth field must be user/NAME or role/NAME'],
  ['AKIAX:s:111122223333:user/bad name', 'the fourth field must be user/NAME or role/NAME'],
  ['AKIAX:s:111122223333:user/a:extra', 'entries must be ACCESS_KEY_ID:SECRET'],
])('refuses %s', (entry, message) => {
  expect(() => loadConfig({ ...base, EMULATOR_CREDENTIALS: entry })).toThrow(message);
});

test('EMULATOR_AUTHZ_LOG takes deny, all or off only', () => {
  expect(loadConfig({ ...base, EMULATOR_AUTHZ_LOG: 'all' }).emulatorAuthzLog).toBe('all');
  expect(() => loadConfig({ ...base, EMULATOR_AUTHZ_LOG: 'loud' })).toThrow('EMULATOR_AUTHZ_LOG');
});

test('the identities file is read and checked against the credentials, errors naming the entry', async () => {
  const file = path.join(dir, 'identities.json');
  await writeFile(file, JSON.stringify({ users: [{ account: '111122223333', name: 'alice', policies: [] }] }));
  const creds = { AKIAALICE: { accountId: '111122223333', principal: 'user/alice' } };
  const dirOk = await loadEmulatorIdentities({ emulatorIdentitiesFile: file }, creds);
  expect(dirOk.principal('arn:aws:iam::111122223333:user/alice')?.identityPolicies).toEqual([]);
  await expect(
    loadEmulatorIdentities(
      { emulatorIdentitiesFile: file },
      { AKIABOB: { accountId: '111122223333', principal: 'user/bob' } },
    ),
  ).rejects.toThrow('EMULATOR_CREDENTIALS: entry AKIABOB: user/bob is not declared in account 111122223333');
  await expect(loadEmulatorIdentities({ emulatorIdentitiesFile: path.join(dir, 'none.json') }, {})).rejects.toThrow(
    'cannot be read (ENOENT)',
  );
  await writeFile(file, '{');
  await expect(loadEmulatorIdentities({ emulatorIdentitiesFile: file }, {})).rejects.toThrow('is not valid JSON');
  // Without a file: no declared principals, and credentials may name any user.
  const none = await loadEmulatorIdentities({}, creds);
  expect(none.principal('arn:aws:iam::111122223333:user/alice')?.identityPolicies).toBeUndefined();
});
