import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { ACCOUNT, awsErrorName, OTHER_ACCOUNT, startConformance, type Conformance } from './harness.js';

/**
 * Grants over HTTP between two accounts: another account uses a key by ARN only through a
 * grant, within its operations and its encryption context constraints; a fresh grant works
 * at once with its token; retiring and revoking take it away.
 */

let c: Conformance;
let owner: KMSClient;
let other: KMSClient;
beforeAll(async () => {
  c = await startConformance('grants');
  owner = c.kms();
  other = c.kms('us-east-1', OTHER_ACCOUNT);
});
afterAll(() => c.close());

const otherRoot = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
const newKeyArn = async () => (await owner.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
const pt = Buffer.from('granted');

test('without a grant another account is denied; with one it may do exactly the granted operations', async () => {
  const arn = await newKeyArn();
  expect(await awsErrorName(other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt })))).toBe(
    'AccessDeniedException',
  );
  const { GrantToken, GrantId } = await owner.send(
    new CreateGrantCommand({ KeyId: arn, GranteePrincipal: otherRoot, Operations: ['Encrypt', 'DescribeKey'] }),
  );
  // the token is accepted at once (AWS's eventual-consistency escape hatch)
  const ct = await other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt, GrantTokens: [GrantToken!] }));
  expect(ct.KeyId).toBe(arn);
  expect((await other.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!.AWSAccountId).toBe(ACCOUNT);
  expect(await awsErrorName(other.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, KeyId: arn })))).toBe(
    'AccessDeniedException',
  );
  expect(await awsErrorName(other.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' })))).toBe(
    'AccessDeniedException',
  );
  await owner.send(new RevokeGrantCommand({ KeyId: arn, GrantId: GrantId! }));
  expect(await awsErrorName(other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt })))).toBe(
    'AccessDeniedException',
  );
});

test('EncryptionContextSubset: the grantee must send at least the constrained pairs', async () => {
  const arn = await newKeyArn();
  await owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      Operations: ['Encrypt', 'Decrypt', 'GenerateDataKey'],
      Constraints: { EncryptionContextSubset: { tenant: 'acme' } },
    }),
  );
  const ok = await other.send(
    new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: { tenant: 'acme', doc: '7' } }),
  );
  const back = await other.send(
    new DecryptCommand({ CiphertextBlob: ok.CiphertextBlob, EncryptionContext: { tenant: 'acme', doc: '7' } }),
  );
  expect(Buffer.from(back.Plaintext!).equals(pt)).toBe(true);
  await other.send(
    new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: { tenant: 'acme' } }),
  );
  const contexts: (Record<string, string> | undefined)[] = [undefined, { tenant: 'other' }, { Tenant: 'acme' }];
  for (const ctx of contexts) {
    expect(
      await awsErrorName(other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: ctx }))),
    ).toBe('AccessDeniedException');
    expect(
      await awsErrorName(
        other.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: ctx })),
      ),
    ).toBe('AccessDeniedException');
  }
  // the key's owner is not bound by grants: its ciphertext under another context is refused to the grantee
  const ownerCt = await owner.send(
    new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: { tenant: 'globex' } }),
  );
  expect(
    await awsErrorName(
      other.send(
        new DecryptCommand({ CiphertextBlob: ownerCt.CiphertextBlob, EncryptionContext: { tenant: 'globex' } }),
      ),
    ),
  ).toBe('AccessDeniedException');
});

test('EncryptionContextEquals: exactly the constrained pairs, no more, no fewer', async () => {
  const arn = await newKeyArn();
  await owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      Operations: ['Encrypt', 'ReEncryptTo'],
      Constraints: { EncryptionContextEquals: { tenant: 'acme', env: 'prod' } },
    }),
  );
  await other.send(
    new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: { env: 'prod', tenant: 'acme' } }),
  );
  const contexts: Record<string, string>[] = [
    { tenant: 'acme' },
    { tenant: 'acme', env: 'prod', x: 'y' },
    { tenant: 'acme', env: 'dev' },
  ];
  for (const ctx of contexts) {
    expect(
      await awsErrorName(other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: ctx }))),
    ).toBe('AccessDeniedException');
  }
  // ReEncrypt into the key: the destination context is what the constraint checks
  const own = (await other.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  const src = await other.send(new EncryptCommand({ KeyId: own, Plaintext: pt }));
  const re = await other.send(
    new ReEncryptCommand({
      CiphertextBlob: src.CiphertextBlob,
      DestinationKeyId: arn,
      DestinationEncryptionContext: { tenant: 'acme', env: 'prod' },
    }),
  );
  expect(re.KeyId).toBe(arn);
  const denied = other.send(
    new ReEncryptCommand({
      CiphertextBlob: src.CiphertextBlob,
      DestinationKeyId: arn,
      DestinationEncryptionContext: { tenant: 'acme' },
    }),
  );
  expect(await awsErrorName(denied)).toBe('AccessDeniedException');
});

test('an empty constraint map counts as absent (Terraform sends the unset one as {}); two non-empty ones are refused', async () => {
  const arn = await newKeyArn();
  // what hashicorp/aws sends for constraints { encryption_context_subset = { tenant = "acme" } }
  const { GrantId } = await owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: {}, EncryptionContextSubset: { tenant: 'acme' } },
    }),
  );
  await other.send(new EncryptCommand({ KeyId: arn, Plaintext: pt, EncryptionContext: { tenant: 'acme', doc: '1' } }));
  const listed = (await owner.send(new ListGrantsCommand({ KeyId: arn }))).Grants!;
  expect(listed.map((g) => [g.GrantId, g.Constraints])).toEqual([
    [GrantId, { EncryptionContextSubset: { tenant: 'acme' } }],
  ]);
  // only empty maps: an unconstrained grant
  await owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      Operations: ['GenerateDataKey'],
      Constraints: { EncryptionContextEquals: {}, EncryptionContextSubset: {} },
    }),
  );
  await other.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
  const both = owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      Operations: ['Decrypt'],
      Constraints: { EncryptionContextEquals: { a: '1' }, EncryptionContextSubset: { b: '2' } },
    }),
  );
  expect(await awsErrorName(both)).toBe('ValidationException');
});

test('the retiring principal lists its retirable grants and retires one by token; then it is gone', async () => {
  const arn = await newKeyArn();
  const made = [];
  for (let i = 0; i < 3; i++) {
    made.push(
      await owner.send(
        new CreateGrantCommand({
          KeyId: arn,
          GranteePrincipal: otherRoot,
          RetiringPrincipal: otherRoot,
          Operations: ['Encrypt'],
          Name: `g${i}`,
        }),
      ),
    );
  }
  const retirable = await other.send(new ListRetirableGrantsCommand({ RetiringPrincipal: otherRoot }));
  expect(
    retirable
      .Grants!.filter((g) => g.KeyId === arn)
      .map((g) => g.Name)
      .sort(),
  ).toEqual(['g0', 'g1', 'g2']);
  await other.send(new RetireGrantCommand({ GrantToken: made[0]!.GrantToken }));
  const left = (await owner.send(new ListGrantsCommand({ KeyId: arn }))).Grants!.map((g) => g.GrantId);
  expect(left.sort()).toEqual([made[1]!.GrantId, made[2]!.GrantId].sort());
  // the same name and parameters again is the same grant (a retried request), not a new one
  const again = await owner.send(
    new CreateGrantCommand({
      KeyId: arn,
      GranteePrincipal: otherRoot,
      RetiringPrincipal: otherRoot,
      Operations: ['Encrypt'],
      Name: 'g1',
    }),
  );
  expect(again.GrantId).toBe(made[1]!.GrantId);
  expect(await awsErrorName(owner.send(new RetireGrantCommand({ KeyId: arn, GrantId: made[0]!.GrantId })))).toBe(
    'NotFoundException',
  );
  expect(await awsErrorName(owner.send(new RetireGrantCommand({ KeyId: arn })))).toBe('ValidationException');
});
