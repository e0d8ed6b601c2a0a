import { compileConditions, PolicyError } from '../../../src/iam-policy/conditions.js';
import { compilePolicy } from '../../../src/iam-policy/policy.js';
import { decide, denialMessage } from '../../../src/iam-policy/evaluate.js';

/** Whether `{operator: {key: values}}` holds for a request whose context is `ctx` (keys lower-cased by the evaluator). */
function holds(operator: string, values: unknown, ctx: Record<string, string[]>, key = 'k:Key'): boolean {
  const [c] = compileConditions({ [operator]: { [key]: values } }, 'Condition');
  return c!.test((name) => ctx[name]);
}

describe('condition operators', () => {
  test.each([
    ['StringEquals', 'a', ['a'], true],
    ['StringEquals', ['x', 'a'], ['a'], true],
    ['StringEquals', 'A', ['a'], false],
    ['StringNotEquals', ['x', 'y'], ['a'], true],
    ['StringNotEquals', ['a'], ['a'], false],
    ['StringEqualsIgnoreCase', 'ABC', ['abc'], true],
    ['StringNotEqualsIgnoreCase', 'ABC', ['abc'], false],
    ['StringLike', 'web-*', ['web-01'], true],
    ['StringLike', 'web-?', ['web-01'], false],
    ['StringNotLike', 'web-*', ['db-01'], true],
    ['NumericEquals', 90, ['90'], true],
    ['NumericNotEquals', '90', ['91'], true],
    ['NumericLessThan', '90', ['89'], true],
    ['NumericLessThan', '90', ['90'], false],
    ['NumericLessThanEquals', '90', ['90'], true],
    ['NumericGreaterThan', '90', ['91'], true],
    ['NumericGreaterThanEquals', '90', ['89'], false],
    ['NumericEquals', '90', ['ninety'], false],
    ['DateLessThan', '2026-01-01T00:00:00Z', ['2025-06-01T00:00:00Z'], true],
    ['DateGreaterThan', '2026-01-01T00:00:00Z', ['2025-06-01T00:00:00Z'], false],
    ['DateEquals', '1767225600', ['2026-01-01T00:00:00Z'], true],
    ['DateNotEquals', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00Z'], true],
    ['DateLessThanEquals', '2026-01-01T00:00:00Z', ['2026-01-01T00:00:00Z'], true],
    ['DateGreaterThanEquals', '2026-01-01T00:00:00Z', ['2025-12-31T23:59:59Z'], false],
    ['Bool', true, ['true'], true],
    ['Bool', 'false', ['true'], false],
    ['ArnLike', 'arn:aws:iam::*:role/ops-*', ['arn:aws:iam::111122223333:role/ops-a'], true],
    ['ArnEquals', 'arn:aws:iam::111122223333:role/ops', ['arn:aws:iam::111122223333:role/dev'], false],
    ['ArnNotLike', 'arn:aws:iam::*:role/ops-*', ['arn:aws:iam::111122223333:user/ops-a'], true],
    ['ArnNotEquals', 'arn:aws:iam::111122223333:root', ['arn:aws:iam::111122223333:root'], false],
    ['IpAddress', '10.0.0.0/8', ['10.1.2.3'], true],
    ['NotIpAddress', '10.0.0.0/8', ['192.168.0.1'], true],
    ['BinaryEquals', 'QUJD', ['QUJD'], true],
  ])('%s %j against %j → %s', (op, values, ctx, expected) => {
    expect(holds(op, values, { 'k:key': ctx })).toBe(expected);
  });

  test('an absent key fails positive operators, satisfies negated ones and every ...IfExists', () => {
    expect(holds('StringEquals', 'a', {})).toBe(false);
    expect(holds('StringNotEquals', 'a', {})).toBe(true);
    expect(holds('StringEqualsIfExists', 'a', {})).toBe(true);
    expect(holds('StringEqualsIfExists', 'a', { 'k:key': ['b'] })).toBe(false);
    expect(holds('NumericLessThanIfExists', '5', {})).toBe(true);
  });

  test('Null tests presence', () => {
    expect(holds('Null', 'true', {})).toBe(true);
    expect(holds('Null', 'true', { 'k:key': ['x'] })).toBe(false);
    expect(holds('Null', 'false', { 'k:key': ['x'] })).toBe(true);
  });

  test('ForAnyValue and ForAllValues over multi-valued keys, empty sets as AWS treats them', () => {
    const keys = { 'k:key': ['a', 'b'] };
    expect(holds('ForAnyValue:StringEquals', ['b', 'z'], keys)).toBe(true);
    expect(holds('ForAnyValue:StringEquals', ['z'], keys)).toBe(false);
    expect(holds('ForAnyValue:StringEquals', ['z'], {})).toBe(false);
    expect(holds('ForAllValues:StringEquals', ['a', 'b', 'c'], keys)).toBe(true);
    expect(holds('ForAllValues:StringEquals', ['a'], keys)).toBe(false);
    expect(holds('ForAllValues:StringEquals', ['a'], {})).toBe(true);
    expect(holds('ForAllValues:StringNotEquals', ['z'], keys)).toBe(true);
    expect(holds('ForAnyValue:StringLike', ['b*'], keys)).toBe(true);
  });

  test('condition key names are case-insensitive', () => {
    expect(holds('StringEquals', 'a', { 'kms:calleraccount': ['a'] }, 'KMS:CallerAccount')).toBe(true);
  });

  test.each([
    [{ StringSortOf: { k: 'a' } }, 'unknown condition operator "StringSortOf"'],
    [{ NumericEquals: { k: 'ten' } }, '"ten" is not a number'],
    [{ DateLessThan: { k: 'tomorrow' } }, 'is not a date'],
    [{ Bool: { k: 'maybe' } }, 'is not true or false'],
    [{ IpAddress: { k: '10.0.0.0/99' } }, 'is not an IP address'],
    [{ StringEquals: { k: [] } }, 'needs at least one value'],
    [{ StringEquals: { k: { nested: 1 } } }, 'values must be strings'],
    [{ StringEquals: 'a' }, 'must be an object of condition keys'],
    ['x', 'Condition must be an object'],
  ])('rejects %j', (block, message) => {
    expect(() => compileConditions(block, 'Condition')).toThrow(PolicyError);
    expect(() => compileConditions(block, 'Condition')).toThrow(message);
  });
});

describe('decide', () => {
  const principal = { arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', isRoot: false };
  const keyPolicy = (statements: object[]) => ({
    name: 'key policy',
    policy: compilePolicy({ Statement: statements }, 'resource'),
  });
  const base = {
    principal,
    action: 'kms:Encrypt',
    resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
    resourceAccount: '111122223333',
    context: () => undefined,
  };

  test('names the statement that decided, and falls back to a grant', () => {
    const p = keyPolicy([{ Sid: 'Use', Effect: 'Allow', Principal: { AWS: principal.arn }, Action: 'kms:Encrypt' }]);
    expect(decide({ ...base, resourcePolicy: p, identityPolicies: [] })).toMatchObject({
      allowed: true,
      decidedBy: 'key policy statement "Use" (#1)',
    });
    const none = keyPolicy([
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/bob' }, Action: '*' },
    ]);
    const viaGrant = decide({ ...base, resourcePolicy: none, identityPolicies: [], grant: () => 'grant abc' });
    expect(viaGrant).toMatchObject({ allowed: true, decidedBy: 'grant abc' });
    const denied = decide({ ...base, resourcePolicy: none, identityPolicies: [] });
    expect(denied).toMatchObject({ allowed: false, decidedBy: 'implicit deny', denial: 'no-resource-allow' });
    expect(denialMessage(denied, principal.arn, 'kms:Encrypt', base.resource)).toBe(
      `User: ${principal.arn} is not authorized to perform: kms:Encrypt on resource: ${base.resource} because no resource-based policy allows the kms:Encrypt action`,
    );
  });

  test('NotPrincipal, NotAction and NotResource invert their match', () => {
    const p = keyPolicy([
      {
        Effect: 'Allow',
        NotPrincipal: { AWS: 'arn:aws:iam::111122223333:user/bob' },
        NotAction: 'kms:Decrypt',
        NotResource: 'arn:aws:kms:*:*:key/other',
      },
    ]);
    expect(decide({ ...base, resourcePolicy: p, identityPolicies: [] }).allowed).toBe(true);
    expect(decide({ ...base, action: 'kms:Decrypt', resourcePolicy: p, identityPolicies: [] }).allowed).toBe(false);
  });

  test('a resource policy needs a principal; an identity policy may not have one', () => {
    expect(() => compilePolicy({ Statement: [{ Effect: 'Allow', Action: '*' }] }, 'resource')).toThrow(
      'has no principal',
    );
    expect(() => compilePolicy({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*' }] }, 'identity')).toThrow(
      'cannot have a Principal',
    );
    expect(() =>
      compilePolicy({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: '*' }] }, 'resource'),
    ).toThrow('is not a valid principal');
  });
});
