import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { addKmsAccount, createKey, createKeyOk, emulatorKeyIds, expectError, storedPolicy } from './helpers.js';

/** Key policies statement by statement: default, built from principal lists, explicit; and what the emulator stores. */
const ROOT = (partition = 'aws') => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:${partition}:iam::123456789012:root` },
  Action: 'kms:*',
  Resource: '*',
});
const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];
const USER_ACTIONS: Record<string, string[]> = {
  symmetric: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  rsaEncrypt: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey', 'kms:GetPublicKey'],
  sign: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify'],
  mac: ['kms:DescribeKey', 'kms:GenerateMac', 'kms:VerifyMac'],
  agreement: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:DeriveSharedSecret'],
};
const grants = (users: string[]) => ({
  Sid: 'Allow attachment of persistent resources',
  Effect: 'Allow',
  Principal: { AWS: users },
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
});

describe('key policies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('keys_policies');
    await addKmsAccount(t, { connection: 'china', cloudName: 'aws-cn', kms: 'kms-cn', regions: ['cn-north-1'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("no policy input: AWS's default policy, exactly, in the record and in the emulator", async () => {
    const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const expected = { Version: '2012-10-17', Id: 'key-default-1', Statement: [ROOT()] };
    expect(r.aws_param.Policy).toEqual(expected);
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(expected);
    expect(r).toMatchObject({
      key_admins: [],
      key_admins_roles: [],
      key_users: [],
      key_users_roles: [],
      external_accounts: [],
    });
  });

  it('all five lists on a symmetric key: root, administrators, users, grants — names become ARNs', async () => {
    const body = {
      kms: 'kms',
      region: 'us-east-1',
      key_admins: ['alice', 'ops/dave'],
      key_admins_roles: ['AdminRole'],
      key_users: ['bob', 'bob'],
      key_users_roles: ['AppRole', 'service-role/Batch'],
      external_accounts: ['111122223333'],
    };
    const r = await createKeyOk(t, body);
    const admins = [
      'arn:aws:iam::123456789012:user/alice',
      'arn:aws:iam::123456789012:user/ops/dave',
      'arn:aws:iam::123456789012:role/AdminRole',
    ];
    const users = [
      'arn:aws:iam::123456789012:user/bob',
      'arn:aws:iam::123456789012:role/AppRole',
      'arn:aws:iam::123456789012:role/service-role/Batch',
      'arn:aws:iam::111122223333:root',
    ];
    const policy = r.aws_param.Policy;
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement).toHaveLength(4);
    expect(policy.Statement[0]).toEqual(ROOT());
    expect(policy.Statement[1]).toEqual({
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: admins },
      Action: ADMIN_ACTIONS,
      Resource: '*',
    });
    expect(policy.Statement[2]).toEqual({
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: users },
      Action: USER_ACTIONS.symmetric,
      Resource: '*',
    });
    expect(policy.Statement[3]).toEqual(grants(users));
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(policy);
    // The record keeps the lists as given (deduplicated).
    expect(r).toMatchObject({
      key_admins: body.key_admins,
      key_admins_roles: ['AdminRole'],
      key_users: ['bob'],
      key_users_roles: body.key_users_roles,
      external_accounts: ['111122223333'],
    });
  });

  it('ARNs in the principal lists are passed through unchanged', async () => {
    const r = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      key_admins: ['arn:aws:iam::123456789012:user/already-arn'],
      key_users_roles: ['arn:aws:iam::444455556666:role/Cross'],
    });
    const st = r.aws_param.Policy.Statement;
    expect(st[1].Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/already-arn'] });
    expect(st[2].Principal).toEqual({ AWS: ['arn:aws:iam::444455556666:role/Cross'] });
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
  });

  it('only key_admins: root and administrators, no user statements', async () => {
    const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', key_admins: ['carol'] });
    const st = r.aws_param.Policy.Statement;
    expect(st.map((s: { Sid: string }) => s.Sid)).toEqual([
      'Enable IAM User Permissions',
      'Allow access for Key Administrators',
    ]);
    expect(st[1].Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/carol'] });
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
  });

  it('only external_accounts: root, key use and grants for the account root', async () => {
    const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', external_accounts: ['999988887777'] });
    const st = r.aws_param.Policy.Statement;
    expect(st.map((s: { Sid: string }) => s.Sid)).toEqual([
      'Enable IAM User Permissions',
      'Allow use of the key',
      'Allow attachment of persistent resources',
    ]);
    expect(st[1].Principal).toEqual({ AWS: ['arn:aws:iam::999988887777:root'] });
    expect(st[2]).toEqual(grants(['arn:aws:iam::999988887777:root']));
  });

  it.each([
    ['RSA_2048', 'ENCRYPT_DECRYPT', 'rsaEncrypt'],
    ['RSA_3072', 'SIGN_VERIFY', 'sign'],
    ['ECC_NIST_P256', 'SIGN_VERIFY', 'sign'],
    ['ECC_NIST_P384', 'KEY_AGREEMENT', 'agreement'],
    ['HMAC_256', 'GENERATE_VERIFY_MAC', 'mac'],
    ['ML_DSA_44', 'SIGN_VERIFY', 'sign'],
  ])('%s / %s: key users get the actions of that usage', async (spec, usage, actions) => {
    const r = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-west-2',
      aws_param: { KeySpec: spec, KeyUsage: usage },
      key_users_roles: ['App'],
    });
    const st = r.aws_param.Policy.Statement;
    expect(st[1]).toEqual({
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::123456789012:role/App'] },
      Action: USER_ACTIONS[actions],
      Resource: '*',
    });
    expect(await storedPolicy(t, 'us-west-2', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
  });

  it('an explicit Policy object is stored as given', async () => {
    const policy = {
      Version: '2012-10-17',
      Id: 'my-policy',
      Statement: [
        ROOT(),
        {
          Sid: 'ReadOnly',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Auditor' },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
          Resource: '*',
        },
      ],
    };
    const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Policy: policy } });
    expect(r.aws_param.Policy).toEqual(policy);
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(policy);
  });

  it('an explicit Policy given as a JSON string is stored as that document', async () => {
    const policy = { Version: '2012-10-17', Id: 'as-string', Statement: [ROOT()] };
    const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Policy: JSON.stringify(policy) } });
    expect(r.aws_param.Policy).toEqual(policy);
    expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(policy);
  });

  describe('the lockout safety check', () => {
    const lockout = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyOther',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Other' },
          Action: 'kms:Encrypt',
          Resource: '*',
        },
      ],
    };

    it('a policy that locks the caller out → 400 MalformedPolicyDocumentException; no record, no key', async () => {
      const before = await emulatorKeyIds(t, 'eu-west-1');
      const res = await createKey(t, { kms: 'kms', region: 'eu-west-1', aws_param: { Policy: lockout } });
      expectError(res, 400, 'NCERRBadRequest', 'MalformedPolicyDocumentException');
      expect(await emulatorKeyIds(t, 'eu-west-1')).toEqual(before);
      const list = await createKey(t, {
        kms: 'kms',
        region: 'eu-west-1',
        aws_param: { Policy: lockout, BypassPolicyLockoutSafetyCheck: false },
      });
      expectError(list, 400, 'NCERRBadRequest', 'MalformedPolicyDocumentException');
    });

    it('is accepted with BypassPolicyLockoutSafetyCheck: true, and stored as given', async () => {
      const r = await createKeyOk(t, {
        kms: 'kms',
        region: 'eu-west-1',
        aws_param: { Policy: lockout, BypassPolicyLockoutSafetyCheck: true },
      });
      expect(r.aws_param.Policy).toEqual(lockout);
      // The policy applies and, as on AWS (issue 14), locks the account root out of the key.
      await expect(storedPolicy(t, 'eu-west-1', r.aws_param.KeyID)).rejects.toMatchObject({
        awsName: 'AccessDeniedException',
      });
    });
  });

  describe('China (aws-cn partition)', () => {
    it('the default policy names the aws-cn root', async () => {
      const r = await createKeyOk(t, { kms: 'kms-cn', region: 'cn-north-1' });
      expect(r.aws_param.Policy).toEqual({ Version: '2012-10-17', Id: 'key-default-1', Statement: [ROOT('aws-cn')] });
      expect(await storedPolicy(t, 'cn-north-1', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
    });

    it('built policies use arn:aws-cn for users, roles and external accounts', async () => {
      const r = await createKeyOk(t, {
        kms: 'kms-cn',
        region: 'cn-north-1',
        key_admins: ['alice'],
        key_users_roles: ['App'],
        external_accounts: ['111122223333'],
      });
      const st = r.aws_param.Policy.Statement;
      expect(st[0]).toEqual(ROOT('aws-cn'));
      expect(st[1].Principal.AWS).toEqual(['arn:aws-cn:iam::123456789012:user/alice']);
      expect(st[2].Principal.AWS).toEqual([
        'arn:aws-cn:iam::123456789012:role/App',
        'arn:aws-cn:iam::111122223333:root',
      ]);
      expect(r.aws_param.Arn).toMatch(/^arn:aws-cn:kms:cn-north-1:/);
      expect(await storedPolicy(t, 'cn-north-1', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
    });
  });
});
