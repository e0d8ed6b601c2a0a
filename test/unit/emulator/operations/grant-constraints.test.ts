import { assertGrantId, constraintsAllow, grantAllows } from '../../../../src/emulator/operations/grant-support.js';
import type { GrantDoc } from '../../../../src/emulator/model/grant-record.js';

/** AWS's grant constraints (EncryptionContextEquals / EncryptionContextSubset) and who a grant lets in. */

const grantee = 'arn:aws:iam::444455556666:role/app';
const grant = (over: Partial<GrantDoc> = {}): GrantDoc => ({
  grantId: 'a'.repeat(64),
  keyId: '11111111-2222-3333-4444-555555555555',
  accountId: '111122223333',
  region: 'us-east-1',
  granteePrincipal: grantee,
  operations: ['Decrypt', 'Encrypt', 'DescribeKey'],
  creationDate: '2025-01-01T00:00:00.000Z',
  issuingAccount: 'arn:aws:iam::111122223333:root',
  tokenSecret: 'b'.repeat(64),
  ...over,
});

describe('constraintsAllow', () => {
  test('no constraints admit any context, or none', () => {
    expect(constraintsAllow(undefined, undefined)).toBe(true);
    expect(constraintsAllow({}, { a: '1' })).toBe(true);
  });

  test('an empty map is no constraint (grants stored before CreateGrant dropped them)', () => {
    expect(constraintsAllow({ EncryptionContextEquals: {} }, { a: '1' })).toBe(true);
    const c = { EncryptionContextEquals: {}, EncryptionContextSubset: { dept: 'ops' } };
    expect(constraintsAllow(c, { dept: 'ops', env: 'prod' })).toBe(true);
    expect(constraintsAllow(c, { env: 'prod' })).toBe(false);
  });

  test('EncryptionContextEquals needs exactly the same pairs', () => {
    const c = { EncryptionContextEquals: { dept: 'ops', env: 'prod' } };
    expect(constraintsAllow(c, { env: 'prod', dept: 'ops' })).toBe(true);
    expect(constraintsAllow(c, { dept: 'ops' })).toBe(false);
    expect(constraintsAllow(c, { dept: 'ops', env: 'prod', extra: 'x' })).toBe(false);
    expect(constraintsAllow(c, { dept: 'ops', env: 'dev' })).toBe(false);
    expect(constraintsAllow(c, undefined)).toBe(false);
  });

  test('EncryptionContextSubset needs at least those pairs (values compared exactly, keys case-sensitive)', () => {
    const c = { EncryptionContextSubset: { dept: 'ops' } };
    expect(constraintsAllow(c, { dept: 'ops' })).toBe(true);
    expect(constraintsAllow(c, { dept: 'ops', env: 'prod' })).toBe(true);
    expect(constraintsAllow(c, { Dept: 'ops' })).toBe(false);
    expect(constraintsAllow(c, { dept: 'OPS' })).toBe(false);
    expect(constraintsAllow(c, {})).toBe(false);
    expect(constraintsAllow({ EncryptionContextSubset: { toString: 'x' } }, {})).toBe(false);
  });
});

describe('grantAllows', () => {
  test('the grantee, for a granted operation; ReEncrypt through ReEncryptFrom or ReEncryptTo', () => {
    expect(grantAllows([grant()], grantee, 'Decrypt')).toBe(true);
    expect(grantAllows([grant()], 'arn:aws:iam::444455556666:role/other', 'Decrypt')).toBe(false);
    expect(grantAllows([grant()], grantee, 'GenerateDataKey')).toBe(false);
    expect(grantAllows([grant({ operations: ['ReEncryptTo'] })], grantee, 'ReEncrypt')).toBe(true);
  });

  test('a constrained grant admits a cryptographic call only with a matching context; DescribeKey is not constrained', () => {
    const g = grant({ constraints: { EncryptionContextSubset: { tenant: 'acme' } } });
    expect(grantAllows([g], grantee, 'Decrypt', { tenant: 'acme', file: 'a' })).toBe(true);
    expect(grantAllows([g], grantee, 'Decrypt', { tenant: 'other' })).toBe(false);
    expect(grantAllows([g], grantee, 'Encrypt')).toBe(false);
    expect(grantAllows([g], grantee, 'DescribeKey')).toBe(true);
    // another, unconstrained grant for the same grantee still admits the call
    expect(grantAllows([g, grant({ grantId: 'c'.repeat(64) })], grantee, 'Decrypt', { tenant: 'other' })).toBe(true);
  });
});

test('assertGrantId refuses ids this emulator never issues', () => {
  expect(() => assertGrantId('a'.repeat(64))).not.toThrow();
  for (const bad of ['', 'short', 'A'.repeat(64), 'g'.repeat(64), 'a'.repeat(65)]) {
    expect(() => assertGrantId(bad)).toThrow(expect.objectContaining({ awsName: 'InvalidGrantIdException' }));
  }
});
