import { decide } from '../../../../src/iam-policy/evaluate.js';
import {
  checkNewKeyPolicy,
  compileKeyPolicy,
  defaultKeyPolicy,
  MAX_POLICY_BYTES,
} from '../../../../src/emulator/model/key-policy-document.js';

const ROOT = 'arn:aws:iam::111122223333:root';
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, action: unknown) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: action,
  Resource: '*',
});

test('the default policy is AWS text byte for byte, partition-aware', () => {
  expect(defaultKeyPolicy('us-east-1', '111122223333')).toBe(
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n    "Sid" : "Enable IAM User Permissions",\n' +
      '    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n' +
      '    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}',
  );
  expect(defaultKeyPolicy('cn-north-1', '111122223333')).toContain('"arn:aws-cn:iam::111122223333:root"');
  expect(defaultKeyPolicy('us-gov-west-1', '111122223333')).toContain('"arn:aws-us-gov:iam::111122223333:root"');
  expect(JSON.parse(defaultKeyPolicy('us-east-1', '111122223333')).Statement).toHaveLength(1);
});

describe('compileKeyPolicy', () => {
  test.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', '[]', 'JSON object'],
    ['no statements', '{"Statement":[]}', 'at least one Statement'],
    ['a bad effect', policy({ Effect: 'Maybe', Principal: '*', Action: '*' }), 'Effect'],
    ['no principal', policy({ Effect: 'Allow', Action: '*' }), 'no principal'],
    ['no action', policy({ Effect: 'Allow', Principal: '*' }), 'no action'],
  ])('rejects %s with MalformedPolicyDocumentException', (_name, text, message) => {
    expect(() => compileKeyPolicy(text)).toThrow(message);
    try {
      compileKeyPolicy(text);
    } catch (err) {
      expect((err as { awsName: string }).awsName).toBe('MalformedPolicyDocumentException');
    }
  });

  test('accepts a single Statement object', () => {
    expect(compileKeyPolicy(JSON.stringify({ Statement: allow('*', '*') })).statements).toHaveLength(1);
  });
});

describe('key policy evaluation (principals without identity policies)', () => {
  const can = (p: string, who: string, action = 'kms:PutKeyPolicy') =>
    decide({
      principal: { arn: who, accountId: who.split(':')[4]!, isRoot: who.endsWith(':root') },
      action,
      resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
      resourceAccount: '111122223333',
      context: () => undefined,
      resourcePolicy: { name: 'key policy', policy: compileKeyPolicy(p) },
      identityPolicies: undefined,
    }).allowed;

  test('the account root stands for every principal of the account', () => {
    expect(can(policy(allow({ AWS: ROOT }, 'kms:*')), ALICE)).toBe(true);
    expect(can(policy(allow({ AWS: '111122223333' }, 'kms:*')), ALICE)).toBe(true);
    expect(can(policy(allow({ AWS: 'arn:aws:iam::444455556666:root' }, 'kms:*')), ALICE)).toBe(false);
  });

  test('matches principals exactly, in lists and with *', () => {
    expect(can(policy(allow({ AWS: [ALICE] }, 'kms:PutKeyPolicy')), ALICE)).toBe(true);
    expect(can(policy(allow({ AWS: 'arn:aws:iam::111122223333:user/bob' }, 'kms:*')), ALICE)).toBe(false);
    expect(can(policy(allow('*', 'kms:*')), ALICE)).toBe(true);
  });

  test('matches actions with wildcards, case-insensitively, and NotAction', () => {
    expect(can(policy(allow('*', 'kms:Put*')), ALICE)).toBe(true);
    expect(can(policy(allow('*', 'KMS:putkeypolicy')), ALICE)).toBe(true);
    expect(can(policy(allow('*', ['kms:Encrypt', 'kms:Decrypt'])), ALICE)).toBe(false);
    expect(can(policy({ Effect: 'Allow', Principal: '*', NotAction: 'kms:Encrypt' }), ALICE)).toBe(true);
  });

  test('an explicit Deny wins', () => {
    const p = policy(allow('*', 'kms:*'), { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:PutKeyPolicy' });
    expect(can(p, ALICE)).toBe(false);
    expect(can(p, 'arn:aws:iam::111122223333:user/bob')).toBe(true);
  });
});

describe('checkNewKeyPolicy (lockout safety check)', () => {
  test('enforces the 32 KiB quota in UTF-8 bytes with LimitExceededException, before parsing', () => {
    const base = policy(allow('*', 'kms:*'));
    const pad = (n: number) => base.replace('"Version"', `"Pad":"${'é'.repeat(n)}","Version"`);
    const fits = pad(Math.floor((MAX_POLICY_BYTES - base.length - 10) / 2));
    const opts = { principalArn: ROOT, bypassLockoutCheck: true };
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MAX_POLICY_BYTES);
    expect(() => checkNewKeyPolicy(fits, opts)).not.toThrow();
    for (const over of [pad(MAX_POLICY_BYTES / 2), `{${' '.repeat(MAX_POLICY_BYTES)}`]) {
      expect(() => checkNewKeyPolicy(over, opts)).toThrow(
        expect.objectContaining({ awsName: 'LimitExceededException' }),
      );
    }
  });

  const users = policy(allow({ AWS: 'arn:aws:iam::111122223333:user/bob' }, 'kms:Encrypt'));

  test('refuses a policy that locks the caller out, with AWS message', () => {
    expect(() => checkNewKeyPolicy(users, { principalArn: ROOT, bypassLockoutCheck: false })).toThrow(
      'The new key policy will not allow you to update the key policy in the future.',
    );
  });

  test('accepts it when bypassed, but still validates syntax', () => {
    expect(() => checkNewKeyPolicy(users, { principalArn: ROOT, bypassLockoutCheck: true })).not.toThrow();
    expect(() => checkNewKeyPolicy('nope', { principalArn: ROOT, bypassLockoutCheck: true })).toThrow('not valid JSON');
  });
});
