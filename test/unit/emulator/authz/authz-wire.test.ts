import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListKeysCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { KMSClient as Client } from '@aws-sdk/client-kms';
import { A, arnOf, B, errorName, REGION, startAuthzWire, type AuthzWire } from './authz-harness.js';

// Issue 14, items 1-5: every caller is a principal, and every KMS operation is decided by
// key policy, identity policies and grants, through @aws-sdk/client-kms signed as each principal.

let w: AuthzWire;
beforeAll(async () => {
  w = await startAuthzWire();
});
afterAll(() => w.close());

const ROOT_A = arnOf(A, 'root');
const ALICE = arnOf(A, 'user/alice');
const BOB = arnOf(A, 'user/bob');
const ADMIN = arnOf(A, 'user/admin');
const ERIN = arnOf(A, 'user/erin');
const DAVE = arnOf(B, 'user/dave');
const plaintext = new Uint8Array([1, 2, 3]);

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rootStatement = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: ROOT_A }, Action: 'kms:*', Resource: '*' };
const allow = (sid: string, who: string | string[], action: string | string[], extra: object = {}) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: who },
  Action: action,
  Resource: '*',
  ...extra,
});

async function keyWith(policyText: string, client: KMSClient = w.kms('root')): Promise<string> {
  const out = await client.send(new CreateKeyCommand({ Policy: policyText, BypassPolicyLockoutSafetyCheck: true }));
  return out.KeyMetadata!.Arn!;
}

describe('identities (item 1)', () => {
  test('GetCallerIdentity answers the real principal: root, user, assumed-role session', async () => {
    expect((await w.sts('root').send(new GetCallerIdentityCommand({}))).Arn).toBe(ROOT_A);
    const alice = await w.sts('alice').send(new GetCallerIdentityCommand({}));
    expect(alice).toMatchObject({ Arn: ALICE, Account: A });
    expect(alice.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    const assumed = await w
      .sts('alice')
      .send(new AssumeRoleCommand({ RoleArn: arnOf(A, 'role/ops'), RoleSessionName: 'ops-1' }));
    const session = new Client({
      region: REGION,
      endpoint: w.url,
      credentials: {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      },
    });
    try {
      const { STSClient } = await import('@aws-sdk/client-sts');
      const sts = new STSClient({ region: REGION, endpoint: w.url, credentials: session.config.credentials });
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me.Arn).toBe(`arn:aws:sts::${A}:assumed-role/ops/ops-1`);
      expect(me.UserId).toMatch(/^AROA[A-Z2-7]{16,17}:ops-1$/);
      sts.destroy();
      // A key policy naming the role lets its sessions in; naming alice does not.
      const key = await keyWith(policy(rootStatement, allow('Ops', arnOf(A, 'role/ops'), 'kms:Encrypt')));
      await expect(session.send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).resolves.toBeDefined();
      expect((await errorName(session.send(new DecryptCommand({ CiphertextBlob: plaintext, KeyId: key })))).name).toBe(
        'AccessDeniedException',
      );
    } finally {
      session.destroy();
    }
  });

  test('AssumeRole follows the trust policy: untrusted principals and failed conditions are refused', async () => {
    const role = arnOf(A, 'role/ops');
    expect(
      (await errorName(w.sts('bob').send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'ops-2' })))).name,
    ).toBe('AccessDenied');
    const wrongName = w.sts('alice').send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'other' }));
    expect((await errorName(wrongName)).message).toBe(
      `User: ${ALICE} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
    );
  });
});

describe('key policy and identity policy evaluation (item 2)', () => {
  let key: string;
  beforeAll(async () => {
    key = await keyWith(
      policy(
        rootStatement,
        allow('Users', [ALICE, ERIN], ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey']),
        { Sid: 'NoBobDecrypt', Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:Decrypt', Resource: '*' },
        allow('Dave', DAVE, ['kms:Encrypt', 'kms:DescribeKey']),
      ),
    );
    await w.kms('root').send(new CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: key }));
  });

  test('a statement naming the user allows; what it does not name is refused with AWS message', async () => {
    const blob = (await w.kms('alice').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).CiphertextBlob!;
    expect((await w.kms('alice').send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext).toEqual(plaintext);
    // erin has identity policies (none), so the root statement's delegation does not help her; her own statement does.
    await expect(w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).resolves.toBeDefined();
    const denied = await errorName(w.kms('erin').send(new ScheduleKeyDeletionCommand({ KeyId: key })));
    expect(denied).toEqual({
      name: 'AccessDeniedException',
      message: `User: ${ERIN} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${key} because no identity-based policy allows the kms:ScheduleKeyDeletion action`,
    });
  });

  test('the account root delegates to IAM: unconfigured identity policies allow, configured ones must', async () => {
    // bob: no identity policies configured → the root statement lets him encrypt.
    await expect(w.kms('bob').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).resolves.toBeDefined();
    // frank: identity policies that do not cover Encrypt → refused.
    expect((await errorName(w.kms('frank').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext })))).name).toBe(
      'AccessDeniedException',
    );
  });

  test('an explicit Deny wins over every Allow: in the key policy and in an identity policy', async () => {
    const blob = (await w.kms('bob').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).CiphertextBlob!;
    const keyDeny = await errorName(w.kms('bob').send(new DecryptCommand({ CiphertextBlob: blob })));
    expect(keyDeny.message).toBe(
      `User: ${BOB} is not authorized to perform: kms:Decrypt on resource: ${key} with an explicit deny in a resource-based policy`,
    );
    // carol: identity policy allows everything but denies Encrypt.
    await expect(w.kms('carol').send(new DescribeKeyCommand({ KeyId: key }))).resolves.toBeDefined();
    const idDeny = await errorName(w.kms('carol').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext })));
    expect(idDeny.message).toContain('with an explicit deny in an identity-based policy');
  });

  test('account-level operations are decided by identity policy alone', async () => {
    await expect(w.kms('frank').send(new CreateKeyCommand({}))).resolves.toBeDefined();
    await expect(w.kms('frank').send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect((await errorName(w.kms('erin').send(new CreateKeyCommand({})))).message).toBe(
      `User: ${ERIN} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`,
    );
    expect((await errorName(w.kms('erin').send(new ListKeysCommand({})))).name).toBe('AccessDeniedException');
  });

  test('cross-account use by key ARN and alias ARN, never by alias name; both accounts must allow', async () => {
    const aliasArn = `arn:aws:kms:${REGION}:${A}:alias/shared`;
    for (const id of [key, aliasArn]) {
      const out = await w.kms('dave').send(new EncryptCommand({ KeyId: id, Plaintext: plaintext }));
      expect(out.KeyId).toBe(key);
    }
    expect(
      (await errorName(w.kms('dave').send(new EncryptCommand({ KeyId: 'alias/shared', Plaintext: plaintext })))).name,
    ).toBe('NotFoundException');
    // Dave's statement does not include Decrypt; B's root is not named at all.
    const blob = (await w.kms('dave').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).CiphertextBlob;
    expect((await errorName(w.kms('dave').send(new DecryptCommand({ CiphertextBlob: blob })))).name).toBe(
      'AccessDeniedException',
    );
    expect((await errorName(w.kms('rootB').send(new DescribeKeyCommand({ KeyId: key })))).message).toContain(
      'because no resource-based policy allows the kms:DescribeKey action',
    );
  });

  test('DryRun answers the authorization outcome without acting', async () => {
    const dry = (who: 'alice' | 'frank') =>
      errorName(w.kms(who).send(new EncryptCommand({ KeyId: key, Plaintext: plaintext, DryRun: true })));
    expect((await dry('alice')).name).toBe('DryRunOperationException');
    expect((await dry('frank')).name).toBe('AccessDeniedException');
  });
});

describe('conditions (item 3)', () => {
  test('an encryption-context condition allows the matching context only; IfExists and Null behave as AWS', async () => {
    const key = await keyWith(
      policy(
        rootStatement,
        allow('AppOnly', ERIN, ['kms:Encrypt', 'kms:Decrypt'], {
          Condition: {
            StringEquals: { 'kms:EncryptionContext:app': 'web' },
            Null: { 'kms:EncryptionContextKeys': 'false' },
          },
        }),
        allow('Describe', ERIN, 'kms:DescribeKey', {
          Condition: { StringEqualsIfExists: { 'kms:RequestAlias': 'alias/none' } },
        }),
      ),
    );
    const enc = (ctx?: Record<string, string>) =>
      w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext, EncryptionContext: ctx }));
    await expect(enc({ app: 'web' })).resolves.toBeDefined();
    expect((await errorName(enc({ app: 'batch' }))).name).toBe('AccessDeniedException');
    expect((await errorName(enc())).name).toBe('AccessDeniedException');
    await expect(w.kms('erin').send(new DescribeKeyCommand({ KeyId: key }))).resolves.toBeDefined();
  });

  test('a policy with an unknown condition operator is malformed; an unknown key is just absent', async () => {
    const key = await keyWith(policy(rootStatement));
    const bad = policy(
      rootStatement,
      allow('X', ALICE, 'kms:Encrypt', { Condition: { StringSortOf: { 'kms:CallerAccount': A } } }),
    );
    const err = await errorName(w.kms('root').send(new PutKeyPolicyCommand({ KeyId: key, Policy: bad })));
    expect(err.name).toBe('MalformedPolicyDocumentException');
    expect(err.message).toContain('unknown condition operator "StringSortOf"');
    const unknownKey = policy(
      rootStatement,
      allow('X', ERIN, 'kms:Encrypt', { Condition: { StringNotEquals: { 'kms:NoSuchKey': 'x' } } }),
    );
    await w.kms('root').send(new PutKeyPolicyCommand({ KeyId: key, Policy: unknownKey }));
    await expect(w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext }))).resolves.toBeDefined();
  });
});

describe('grants (item 4)', () => {
  let key: string;
  let grantId: string;
  beforeAll(async () => {
    key = await keyWith(policy(rootStatement));
    const g = await w.kms('root').send(
      new CreateGrantCommand({
        KeyId: key,
        GranteePrincipal: ERIN,
        RetiringPrincipal: BOB,
        Operations: ['Encrypt', 'Decrypt'],
        Constraints: { EncryptionContextSubset: { tenant: 't1' } },
      }),
    );
    grantId = g.GrantId!;
  });

  test('the grantee may do exactly the grant operations under its constraints', async () => {
    const enc = (ctx: Record<string, string>) =>
      w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext, EncryptionContext: ctx }));
    await expect(enc({ tenant: 't1', extra: 'x' })).resolves.toBeDefined();
    expect((await errorName(enc({ tenant: 't2' }))).name).toBe('AccessDeniedException');
    expect((await errorName(w.kms('erin').send(new DescribeKeyCommand({ KeyId: key })))).name).toBe(
      'AccessDeniedException',
    );
  });

  test('a grantee with CreateGrant passes on only its operations, under constraints at least as strict', async () => {
    await w.kms('root').send(
      new CreateGrantCommand({
        KeyId: key,
        GranteePrincipal: ERIN,
        Operations: ['Encrypt', 'CreateGrant'],
        Constraints: { EncryptionContextSubset: { tenant: 't1' } },
      }),
    );
    const pass = (Operations: ('Encrypt' | 'Decrypt')[], Constraints?: object) =>
      w.kms('erin').send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: BOB, Operations, Constraints }));
    await expect(pass(['Encrypt'], { EncryptionContextSubset: { tenant: 't1', app: 'x' } })).resolves.toBeDefined();
    expect((await errorName(pass(['Decrypt'], { EncryptionContextSubset: { tenant: 't1' } }))).name).toBe(
      'AccessDeniedException',
    );
    expect((await errorName(pass(['Encrypt']))).message).toContain('under its constraints');
  });

  test('ListRetirableGrants lists the caller account principal grants only', async () => {
    const mine = await w.kms('bob').send(new ListRetirableGrantsCommand({ RetiringPrincipal: BOB }));
    expect(mine.Grants!.map((g) => g.GrantId)).toContain(grantId);
    expect((await errorName(w.kms('dave').send(new ListRetirableGrantsCommand({ RetiringPrincipal: BOB })))).name).toBe(
      'AccessDeniedException',
    );
  });

  test('RevokeGrant by policy; RetireGrant by the retiring principal, not by others', async () => {
    expect((await errorName(w.kms('erin').send(new RevokeGrantCommand({ KeyId: key, GrantId: grantId })))).name).toBe(
      'AccessDeniedException',
    );
    expect((await errorName(w.kms('erin').send(new RetireGrantCommand({ KeyId: key, GrantId: grantId })))).name).toBe(
      'AccessDeniedException',
    );
    await w.kms('bob').send(new RetireGrantCommand({ KeyId: key, GrantId: grantId }));
    const other = await w
      .kms('root')
      .send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: ERIN, Operations: ['Encrypt'] }));
    await w.kms('root').send(new RevokeGrantCommand({ KeyId: key, GrantId: other.GrantId! }));
    expect((await errorName(w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: plaintext })))).name).toBe(
      'AccessDeniedException',
    );
  });
});

describe('the lockout safety check is evaluated for the calling principal (item 5)', () => {
  test('a policy keeping the caller PutKeyPolicy passes; one dropping it is refused unless bypassed', async () => {
    const adminOnly = (extra: object[] = []) =>
      policy(allow('Admin', ADMIN, ['kms:PutKeyPolicy', 'kms:DescribeKey']), ...extra);
    const key = await keyWith(adminOnly());
    await w
      .kms('admin')
      .send(new PutKeyPolicyCommand({ KeyId: key, Policy: adminOnly([allow('U', ALICE, 'kms:Encrypt')]) }));
    // The root statement would keep root in, not admin (whose identity policies are configured, none).
    const dropsAdmin = policy(rootStatement);
    const refused = await errorName(w.kms('admin').send(new PutKeyPolicyCommand({ KeyId: key, Policy: dropsAdmin })));
    expect(refused).toEqual({
      name: 'MalformedPolicyDocumentException',
      message: 'The new key policy will not allow you to update the key policy in the future.',
    });
    await w
      .kms('admin')
      .send(new PutKeyPolicyCommand({ KeyId: key, Policy: dropsAdmin, BypassPolicyLockoutSafetyCheck: true }));
    expect((await errorName(w.kms('admin').send(new DescribeKeyCommand({ KeyId: key })))).name).toBe(
      'AccessDeniedException',
    );
    // The same policy passes the check for root, whom it names.
    await expect(
      w.kms('root').send(new PutKeyPolicyCommand({ KeyId: key, Policy: dropsAdmin })),
    ).resolves.toBeDefined();
  });
});
