import { performance } from 'node:perf_hooks';
import { MAX_ACTION_LENGTH, compileKeyPolicy } from '../../../../src/emulator/model/key-policy-document.js';
import { matchPolicy } from '../../../../src/iam-policy/evaluate.js';
import { ACCOUNT, CTX, errorOf, openHarness, type Harness } from '../helpers.js';

// Finding 6: a policy Action became a RegExp with each `*` as `.*`, so `*` × 25 + `Z` froze the process.

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const policyWith = (...actions: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: '*', Action: actions, Resource: '*' },
    ],
  });

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

test('an action of the longest allowed run of stars plus Z is evaluated at once', async () => {
  const action = `${'*'.repeat(MAX_ACTION_LENGTH - 1)}Z`;
  const started = performance.now();
  const { KeyMetadata } = await h.emulator.call(CTX, 'CreateKey', { Policy: policyWith(action) });
  await h.emulator.call(CTX, 'DescribeKey', { KeyId: KeyMetadata!.KeyId! });
  await h.emulator.call(CTX, 'PutKeyPolicy', {
    KeyId: KeyMetadata!.KeyId!,
    Policy: policyWith(action, `kms:${'*?'.repeat(60)}Z`),
  });
  await h.emulator.call(CTX, 'Encrypt', { KeyId: KeyMetadata!.KeyId!, Plaintext: new Uint8Array([1]) });
  expect(performance.now() - started).toBeLessThan(500);
});

test('10 000 stars and a Z in a stored policy match in linear time', () => {
  // Stored before the length cap existed: evaluation must still not hang.
  const policy = compileKeyPolicy(
    JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: `${'*'.repeat(10_000)}Z` }] }),
  );
  const request = (action: string) => ({
    principal: { arn: ROOT, accountId: ACCOUNT, isRoot: true },
    action,
    resource: '*',
    context: () => undefined,
  });
  const started = performance.now();
  expect(
    matchPolicy(policy, request('kms:PutKeyPolicyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX')).allowDirect,
  ).toBeUndefined();
  expect(matchPolicy(policy, request('kms:Z')).allowDirect).toBeDefined();
  expect(performance.now() - started).toBeLessThan(500);
});

test.each([
  ['CreateKey', (p: string) => h.emulator.call(CTX, 'CreateKey', { Policy: p })],
  [
    'PutKeyPolicy',
    async (p: string) => {
      const { KeyMetadata } = await h.emulator.call(CTX, 'CreateKey', {});
      return h.emulator.call(CTX, 'PutKeyPolicy', { KeyId: KeyMetadata!.KeyId!, Policy: p });
    },
  ],
])('%s refuses an Action or NotAction longer than 128 characters', async (_op, put) => {
  const long = `kms:${'*'.repeat(MAX_ACTION_LENGTH - 3)}`;
  expect(long.length).toBe(MAX_ACTION_LENGTH + 1);
  const err = await errorOf(() => put(policyWith(long)));
  expect(err.awsName).toBe('MalformedPolicyDocumentException');
  const notAction = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, NotAction: [long] }] });
  expect((await errorOf(() => put(notAction))).awsName).toBe('MalformedPolicyDocumentException');
  await expect(put(policyWith(long.slice(1)))).resolves.toBeDefined();
});
