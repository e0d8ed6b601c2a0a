import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { addKmsAccount } from '../keys/helpers.js';
import {
  act,
  actOk,
  createKeyOk,
  emulatorTags,
  expectBadRequest,
  expectError,
  get,
  storedPolicy,
  type Body,
} from './helpers.js';

const ROOT = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'kms:*',
  Resource: '*',
};
const LITERAL = {
  Version: '2012-10-17',
  Id: 'literal',
  Statement: [
    ROOT,
    {
      Sid: 'Readers',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/Reader' },
      Action: 'kms:DescribeKey',
      Resource: '*',
    },
  ],
};

/** The policy action: literal policy (both spellings), principal lists, templates; conflicts and AWS refusals. */
describe('key actions: policy', () => {
  let t: TestApp;
  const template = async (body: object): Promise<Body> => {
    const res = await request(t.http)
      .post('/api/v1/cckm/aws/templates')
      .set('Authorization', bearer(t.adminToken))
      .send(body);
    if (res.status !== 201) throw new Error(`template: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  beforeAll(async () => {
    t = await startTestApp('key_actions_policy');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('{policy} as an object and {Policy} as a JSON string: stored exactly, in the record and in the emulator', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', key_users: ['bob'] });
    const a = await actOk(t, k.id, 'policy', { policy: LITERAL });
    expect(a.aws_param.Policy).toEqual(LITERAL);
    expect(await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)).toEqual(LITERAL);
    expect(a).toMatchObject({ key_users: [], key_admins: [], cckm_policy_template_id: null });

    const other = { ...LITERAL, Id: 'as-string' };
    const b = await actOk(t, k.id, 'policy', { Policy: JSON.stringify(other) });
    expect(b.aws_param.Policy).toEqual(other);
    expect(await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)).toEqual(other);
  });

  it("principal lists: a policy for the key's usage is built and the record keeps the lists; all-empty lists restore the default", async () => {
    const k = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
    });
    const r = await actOk(t, k.id, 'policy', {
      key_admins: ['alice'],
      key_users_roles: ['Signer'],
      external_accounts: ['111122223333'],
    });
    expect(r).toMatchObject({
      key_admins: ['alice'],
      key_users_roles: ['Signer'],
      external_accounts: ['111122223333'],
      key_users: [],
    });
    const policy = await storedPolicy(t, 'us-east-1', k.aws_param.KeyID);
    expect(r.aws_param.Policy).toEqual(policy);
    const statements = (policy as { Statement: Body[] }).Statement;
    expect(statements[0]).toEqual(ROOT);
    expect(statements[1]).toMatchObject({
      Sid: 'Allow access for Key Administrators',
      Principal: { AWS: ['arn:aws:iam::123456789012:user/alice'] },
    });
    expect(statements[2]).toEqual({
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::123456789012:role/Signer', 'arn:aws:iam::111122223333:root'] },
      Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify'],
      Resource: '*',
    });

    const reset = await actOk(t, k.id, 'policy', { key_admins: [], key_users: [] });
    expect(reset).toMatchObject({ key_admins: [], key_users_roles: [], external_accounts: [] });
    expect(await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [ROOT],
    });
  });

  it('policytemplate (by name): policy applied, tag and record link set, template verified; a literal policy afterwards unlinks', async () => {
    const tpl = await template({ name: 'tpl-users', kms: 'kms', key_users: ['carol'] });
    expect(tpl.is_verified).toBe(false);
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-west-2' });
    const r = await actOk(t, k.id, 'policy', { policytemplate: 'tpl-users' });
    expect(r.cckm_policy_template_id).toBe(tpl.id);
    expect(r.aws_param.Tags).toEqual(expect.arrayContaining([{ TagKey: 'cckm_policy_template_id', TagValue: tpl.id }]));
    expect((await emulatorTags(t, 'us-west-2', k.aws_param.KeyID)).cckm_policy_template_id).toBe(tpl.id);
    const stored = (await storedPolicy(t, 'us-west-2', k.aws_param.KeyID)) as { Statement: Body[] };
    expect(stored.Statement[1]!.Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/carol'] });
    const after = await request(t.http)
      .get(`/api/v1/cckm/aws/templates/${tpl.id}`)
      .set('Authorization', bearer(t.adminToken));
    expect(after.body).toMatchObject({ is_verified: true, keys_count: 1 });
    expect(
      (await get(t, `/api/v1/cckm/aws/keys?cckm_policy_template_id=${tpl.id}`)).body.resources.map((x: Body) => x.id),
    ).toEqual([k.id]);

    const unlinked = await actOk(t, k.id, 'policy', { policy: LITERAL });
    expect(unlinked.cckm_policy_template_id).toBeNull();
    expect(await emulatorTags(t, 'us-west-2', k.aws_param.KeyID)).not.toHaveProperty('cckm_policy_template_id');
  });

  it('conflicting inputs → 400 naming both fields; nothing is applied', async () => {
    const tpl = await template({ name: 'tpl-conflict', kms: 'kms', key_admins: ['x'] });
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const before = await storedPolicy(t, 'us-east-1', k.aws_param.KeyID);
    const cases: [object, string, string][] = [
      [{ policy: LITERAL, policytemplate: tpl.id }, 'policy', 'policytemplate'],
      [{ Policy: LITERAL, key_users: ['bob'] }, 'Policy', 'key_users'],
      [{ policytemplate: tpl.name, external_accounts: ['111122223333'] }, 'policytemplate', 'external_accounts'],
      [{ policy: LITERAL, Policy: { ...LITERAL, Id: 'different' } }, 'policy', 'Policy'],
    ];
    for (const [body, a, b] of cases) {
      const res = await act(t, k.id, 'policy', body);
      expectBadRequest(res, a, b);
      expect(res.body.details.map((d: Body) => d.field)).toEqual([a, b]);
    }
    expectBadRequest(await act(t, k.id, 'policy', {}), 'policy');
    expect(await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)).toEqual(before);
  });

  it('bad input → 400 naming the field: unknown template, template of another KMS, malformed policy, bad principals', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    expectBadRequest(await act(t, k.id, 'policy', { policytemplate: 'no-such-template' }), 'policytemplate');
    await addKmsAccount(t, { connection: 'second', cloudName: 'aws', kms: 'kms2', regions: ['us-east-1'] });
    await template({ name: 'tpl-kms2', kms: 'kms2', key_users: ['dan'] });
    expectBadRequest(
      await act(t, k.id, 'policy', { policytemplate: 'tpl-kms2' }),
      'policytemplate',
      'another KMS account',
    );
    expectBadRequest(await act(t, k.id, 'policy', { policy: '{not json' }), 'policy', 'not valid JSON');
    expectBadRequest(await act(t, k.id, 'policy', { Policy: '{"Statement": []}' }), 'Policy');
    expectBadRequest(await act(t, k.id, 'policy', { key_users: ['bad name!'] }), 'key_users');
    expectBadRequest(await act(t, k.id, 'policy', { external_accounts: ['12345'] }), 'external_accounts');
    expectBadRequest(await act(t, k.id, 'policy', { policy: { Statement: [ROOT], Extra: 1 } }), 'policy');
    expectBadRequest(
      await act(t, k.id, 'policy', { BypassPolicyLockoutSafetyCheck: 'yes', policy: LITERAL }),
      'BypassPolicyLockoutSafetyCheck',
    );
  });

  it('a policy that would lock opencckm out → AWS refuses (400 MalformedPolicyDocumentException) unless BypassPolicyLockoutSafetyCheck', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const lockout = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Someone' },
          Action: 'kms:Encrypt',
          Resource: '*',
        },
      ],
    };
    const refused = await act(t, k.id, 'policy', { policy: lockout });
    expectError(refused, 400, 'NCERRBadRequest', 'MalformedPolicyDocumentException');
    expect(await storedPolicy(t, 'us-east-1', k.aws_param.KeyID)).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [ROOT],
    });
    // Bypassed, the policy applies, and (as on AWS, issue 14) it locks opencckm's own credential,
    // the account root, out: re-reading the key is refused, while the principal it names may use it.
    const forced = await act(t, k.id, 'policy', { policy: lockout, BypassPolicyLockoutSafetyCheck: true });
    expectError(forced, 403, 'NCERRForbidden', 'AccessDeniedException', 'kms:DescribeKey');
    const someone = {
      accountId: '123456789012',
      region: 'us-east-1',
      principalArn: 'arn:aws:sts::123456789012:assumed-role/Someone/s1',
    };
    await expect(
      t.composed.emulator!.call(someone, 'Encrypt', { KeyId: k.aws_param.KeyID, Plaintext: new Uint8Array([1]) }),
    ).resolves.toMatchObject({ KeyId: expect.stringContaining(k.aws_param.KeyID) });
  });
});
