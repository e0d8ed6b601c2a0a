import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  addKmsAccount,
  createKey,
  createKeyOk,
  emulator,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  listIds,
  storedPolicy,
  TEMPLATES,
} from './helpers.js';

/** Policy templates (§2.5): content rules, keys created from them, verification, auto_push, deletion. */
const ROOT = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'kms:*',
  Resource: '*',
};
const policyWith = (id: string, extra: object[] = []) => ({
  Version: '2012-10-17',
  Id: id,
  Statement: [ROOT, ...extra],
});
const auditor = (role: string) => ({
  Sid: 'Audit',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::123456789012:role/${role}` },
  Action: 'kms:Describe*',
  Resource: '*',
});

describe('policy templates', () => {
  let t: TestApp;
  const post = (body: object) => request(t.http).post(TEMPLATES).set('Authorization', bearer(t.adminToken)).send(body);
  const patch = (id: string, body: object) =>
    request(t.http).patch(`${TEMPLATES}/${id}`).set('Authorization', bearer(t.adminToken)).send(body);
  const del = (path: string) => request(t.http).delete(path).set('Authorization', bearer(t.adminToken));

  beforeAll(async () => {
    t = await startTestApp('keys_templates');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('create', () => {
    it('with a policy: unverified, no keys, the policy as given', async () => {
      const res = await post({ name: 'tpl-policy', kms: 'kms', policy: policyWith('p1') });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'tpl-policy',
        kms: 'kms',
        account_id: '123456789012',
        is_verified: false,
        keys_count: 0,
        policy: policyWith('p1'),
        key_users: [],
      });
      expect(res.body.uri).toBe(`kylo:kylo:cckm:aws-policy-template:${res.body.id}`);
    });

    it('with principal lists: the lists, and the policy they build', async () => {
      const res = await post({ name: 'tpl-lists', kms: 'kms', key_admins: ['alice'], key_users_roles: ['App'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ key_admins: ['alice'], key_users_roles: ['App'], is_verified: false });
      expect(res.body.policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
        'Enable IAM User Permissions',
        'Allow access for Key Administrators',
        'Allow use of the key',
        'Allow attachment of persistent resources',
      ]);
    });

    it('with both a policy and a list → 400 naming policy and the list', async () => {
      const res = await post({ name: 'tpl-both', kms: 'kms', policy: policyWith('x'), key_users: ['bob'] });
      expectBadRequest(res, 'policy', 'key_users', 'mutually exclusive');
    });

    it('with neither → 400 naming policy', async () => {
      const res = await post({ name: 'tpl-none', kms: 'kms' });
      expectBadRequest(res, 'policy', 'key_admins');
    });

    it('with only empty lists → 400 (nothing to build a policy from)', async () => {
      const res = await post({ name: 'tpl-empty', kms: 'kms', key_users: [] });
      expectBadRequest(res, 'policy');
    });

    it('a name already used → 409', async () => {
      expect((await post({ name: 'tpl-dup', kms: 'kms', key_users: ['a'] })).status).toBe(201);
      expectError(await post({ name: 'tpl-dup', kms: 'kms', key_users: ['b'] }), 409, 'NCERRConflict', 'tpl-dup');
    });

    it('an unknown kms → 400 naming kms', async () => {
      expectBadRequest(await post({ name: 'tpl-nokms', kms: 'nope', key_users: ['a'] }), 'kms');
    });
  });

  describe('keys created with a template', () => {
    it('by id: the template policy, the tag, the record link; the template becomes verified', async () => {
      const tpl = (await post({ name: 'tpl-by-id', kms: 'kms', policy: policyWith('by-id', [auditor('A')]) })).body;
      const r = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id });
      expect(r.cckm_policy_template_id).toBe(tpl.id);
      expect(r.aws_param.Policy).toEqual(policyWith('by-id', [auditor('A')]));
      expect(r.aws_param.Tags).toEqual(
        expect.arrayContaining([{ TagKey: 'cckm_policy_template_id', TagValue: tpl.id }]),
      );
      expect(await storedPolicy(t, 'us-east-1', r.aws_param.KeyID)).toEqual(policyWith('by-id', [auditor('A')]));
      const tags = await emulator(t, 'us-east-1', 'ListResourceTags', { KeyId: r.aws_param.KeyID });
      expect(tags.Tags).toEqual(
        expect.arrayContaining([
          { TagKey: 'cckm_policy_template_id', TagValue: tpl.id },
          { TagKey: 'cckm_record_id', TagValue: r.id },
        ]),
      );
      const after = await get(t, `${TEMPLATES}/${tpl.id}`);
      expect(after.body).toMatchObject({ is_verified: true, keys_count: 1 });
      expect(await listIds(t, `cckm_policy_template_id=${tpl.id}`)).toEqual([r.id]);
    });

    it('by name, from principal lists: the policy is built for the key usage', async () => {
      await post({ name: 'tpl-by-name', kms: 'kms', key_users: ['signer'] });
      const r = await createKeyOk(t, {
        kms: 'kms',
        region: 'us-west-2',
        policytemplate: 'tpl-by-name',
        aws_param: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      });
      const use = r.aws_param.Policy.Statement.find((s: { Sid: string }) => s.Sid === 'Allow use of the key');
      expect(use).toEqual({
        Sid: 'Allow use of the key',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::123456789012:user/signer'] },
        Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify'],
        Resource: '*',
      });
      expect(await storedPolicy(t, 'us-west-2', r.aws_param.KeyID)).toEqual(r.aws_param.Policy);
      expect((await get(t, `${TEMPLATES}/tpl-by-name`)).body.is_verified).toBe(true);
    });

    it('a template of another KMS account → 400 naming policytemplate; nothing created', async () => {
      await addKmsAccount(t, { connection: 'emulator-2', cloudName: 'aws', kms: 'kms-2', regions: ['us-east-1'] });
      const other = await post({ name: 'tpl-other-kms', kms: 'kms-2', key_users: ['x'] });
      expect(other.status).toBe(201);
      const before = await listIds(t, '');
      const res = await createKey(t, { kms: 'kms', region: 'us-east-1', policytemplate: 'tpl-other-kms' });
      expectBadRequest(res, 'policytemplate', 'another KMS account');
      expect(await listIds(t, '')).toEqual(before);
      expect((await get(t, `${TEMPLATES}/tpl-other-kms`)).body.is_verified).toBe(false);
    });

    it('a refused create with a template leaves the template unverified', async () => {
      const tpl = (await post({ name: 'tpl-refused', kms: 'kms', key_users: ['x'] })).body;
      const res = await createKey(t, {
        kms: 'kms',
        region: 'us-east-1',
        policytemplate: tpl.id,
        aws_param: { Tags: [{ TagKey: 'k', TagValue: 'bad value' }] },
      });
      expectBadRequest(res, 'aws_param.Tags[0].TagValue');
      expect((await get(t, `${TEMPLATES}/${tpl.id}`)).body).toMatchObject({ is_verified: false, keys_count: 0 });
    });
  });

  describe('PATCH and auto_push', () => {
    it('an unverified template changes without auto_push', async () => {
      const tpl = (await post({ name: 'tpl-unverified', kms: 'kms', key_users: ['a'] })).body;
      const res = await patch(tpl.id, { key_users: ['b'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ key_users: ['b'], is_verified: false });
    });

    it('a verified template: 400 naming auto_push without it (or with false), and nothing changes', async () => {
      const tpl = (await post({ name: 'tpl-locked', kms: 'kms', policy: policyWith('v1') })).body;
      const key = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id });
      expectBadRequest(await patch(tpl.id, { policy: policyWith('v2') }), 'auto_push');
      expectBadRequest(await patch(tpl.id, { policy: policyWith('v2'), auto_push: false }), 'auto_push');
      expect((await get(t, `${TEMPLATES}/${tpl.id}`)).body.policy).toEqual(policyWith('v1'));
      expect(await storedPolicy(t, 'us-east-1', key.aws_param.KeyID)).toEqual(policyWith('v1'));
    });

    it('auto_push: true pushes the new policy to every key using the template (emulator and records)', async () => {
      const tpl = (await post({ name: 'tpl-push', kms: 'kms', policy: policyWith('v1') })).body;
      const keys = await Promise.all([
        createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id }),
        createKeyOk(t, { kms: 'kms', region: 'eu-west-1', policytemplate: 'tpl-push' }),
        createKeyOk(t, {
          kms: 'kms',
          region: 'ap-south-1',
          policytemplate: tpl.id,
          aws_param: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
        }),
      ]);
      const bystander = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
      const v2 = policyWith('v2', [auditor('NewAuditor')]);
      const res = await patch(tpl.id, { policy: v2, auto_push: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ policy: v2, is_verified: true, keys_count: 3 });
      for (const k of keys) {
        expect(await storedPolicy(t, k.region, k.aws_param.KeyID)).toEqual(v2);
        expect((await get(t, `${KEYS}/${k.id}`)).body.aws_param.Policy).toEqual(v2);
      }
      expect(await storedPolicy(t, 'us-east-1', bystander.aws_param.KeyID)).toEqual(policyWith('key-default-1'));
    });

    it('auto_push of a list template rebuilds each key policy for that key usage', async () => {
      const tpl = (await post({ name: 'tpl-push-lists', kms: 'kms', key_users: ['u1'] })).body;
      const [sym, mac] = await Promise.all([
        createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id }),
        createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id, aws_param: { KeySpec: 'HMAC_512' } }),
      ]);
      const res = await patch(tpl.id, { key_users: ['u2'], auto_push: true });
      expect(res.status).toBe(200);
      const symPolicy = (await storedPolicy(t, 'us-east-1', sym!.aws_param.KeyID)) as {
        Statement: { Sid: string; Principal: unknown; Action: string[] }[];
      };
      const macPolicy = (await storedPolicy(t, 'us-east-1', mac!.aws_param.KeyID)) as typeof symPolicy;
      const use = (p: typeof symPolicy) => p.Statement.find((s) => s.Sid === 'Allow use of the key')!;
      expect(use(symPolicy).Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/u2'] });
      expect(use(symPolicy).Action).toContain('kms:GenerateDataKey*');
      expect(use(macPolicy).Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/u2'] });
      expect(use(macPolicy).Action).toEqual(['kms:DescribeKey', 'kms:GenerateMac', 'kms:VerifyMac']);
    });

    it('PATCH with both policy and a list → 400', async () => {
      const tpl = (await post({ name: 'tpl-patch-both', kms: 'kms', key_users: ['a'] })).body;
      expectBadRequest(await patch(tpl.id, { policy: policyWith('z'), key_users: ['b'] }), 'policy', 'key_users');
    });

    it('PATCH of an unknown template → 404', async () => {
      expectError(await patch('no-such-template', { key_users: ['a'] }), 404, 'NCERRResourceNotFound');
    });
  });

  describe('delete', () => {
    it('a template used by a key → 409; once the key record is forgotten → 204', async () => {
      const tpl = (await post({ name: 'tpl-delete', kms: 'kms', key_users: ['a'] })).body;
      const key = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', policytemplate: tpl.id });
      expectError(await del(`${TEMPLATES}/${tpl.id}`), 409, 'NCERRConflict', 'tpl-delete');
      expect((await get(t, `${TEMPLATES}/${tpl.id}`)).status).toBe(200);
      expect((await del(`${KEYS}/${key.id}`)).status).toBe(204);
      expect((await del(`${TEMPLATES}/${tpl.id}`)).status).toBe(204);
      expectError(await get(t, `${TEMPLATES}/${tpl.id}`), 404, 'NCERRResourceNotFound');
    });

    it('an unused template → 204', async () => {
      const tpl = (await post({ name: 'tpl-unused', kms: 'kms', policy: policyWith('u') })).body;
      expect((await del(`${TEMPLATES}/tpl-unused`)).status).toBe(204);
      expectError(await get(t, `${TEMPLATES}/${tpl.id}`), 404, 'NCERRResourceNotFound');
    });
  });
});
