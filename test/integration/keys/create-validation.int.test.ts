import { startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  createKey,
  createKeyOk,
  emulator,
  emulatorKeyIds,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  listIds,
  TEMPLATES,
  type Body,
} from './helpers.js';
import request from 'supertest';
import { bearer } from '../../fixtures/app.js';

/** Create-key failure paths (seed 004 rules and AWS's): each is a 4xx naming the field, and leaves nothing behind. */
describe('POST /cckm/aws/keys — refused requests', () => {
  let t: TestApp;
  let templateId: string;
  beforeAll(async () => {
    t = await startTestApp('keys_validation');
    const tpl = await request(t.http)
      .post(TEMPLATES)
      .set('Authorization', bearer(t.adminToken))
      .send({ name: 'tpl-x', kms: 'kms', key_users: ['alice'] });
    expect(tpl.status).toBe(201);
    templateId = tpl.body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `body` and checks that neither a record nor an emulator key appeared. */
  async function refused(body: Body) {
    const region = (body.region as string) ?? 'us-east-1';
    const [recordsBefore, keysBefore] = await Promise.all([listIds(t, ''), emulatorKeyIds(t, 'us-east-1')]);
    const res = await createKey(t, body);
    const [recordsAfter, keysAfter] = await Promise.all([listIds(t, ''), emulatorKeyIds(t, 'us-east-1')]);
    expect(recordsAfter).toEqual(recordsBefore);
    if (region === 'us-east-1') expect(keysAfter).toEqual(keysBefore);
    return res;
  }
  const base = { kms: 'kms', region: 'us-east-1' };

  describe('spec, origin and key store rules', () => {
    it('KeySpec different from CustomerMasterKeySpec → 400 naming both', async () => {
      const res = await refused({
        ...base,
        aws_param: { KeySpec: 'RSA_2048', CustomerMasterKeySpec: 'RSA_3072', KeyUsage: 'SIGN_VERIFY' },
      });
      expectBadRequest(res, 'aws_param.KeySpec', 'aws_param.CustomerMasterKeySpec');
    });

    it('an unknown spec is refused by the contract, naming the field', async () => {
      const res = await refused({ ...base, aws_param: { KeySpec: 'RSA_1024' } });
      expectError(res, 400, 'NCERRBadRequest', 'KeySpec');
    });

    it('Origin AWS_CLOUDHSM without CustomKeyStoreId → 400 naming aws_param.CustomKeyStoreId', async () => {
      const res = await refused({ ...base, aws_param: { Origin: 'AWS_CLOUDHSM' } });
      expectBadRequest(res, 'aws_param.CustomKeyStoreId', 'AWS_CLOUDHSM');
    });

    it('Origin EXTERNAL_KEY_STORE without CustomKeyStoreId → 400 naming aws_param.CustomKeyStoreId', async () => {
      const res = await refused({ ...base, aws_param: { Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'abc' } });
      expectBadRequest(res, 'aws_param.CustomKeyStoreId');
    });

    it('XksKeyId without Origin EXTERNAL_KEY_STORE → 400 naming aws_param.XksKeyId', async () => {
      const res = await refused({ ...base, aws_param: { Origin: 'AWS_KMS', XksKeyId: 'abc' } });
      expectBadRequest(res, 'aws_param.XksKeyId', 'EXTERNAL_KEY_STORE');
    });

    it('CustomKeyStoreId with Origin AWS_KMS → 400 naming aws_param.Origin', async () => {
      const res = await refused({
        ...base,
        aws_param: { Origin: 'AWS_KMS', CustomKeyStoreId: 'cks-1234567890abcdef0' },
      });
      expectBadRequest(res, 'aws_param.Origin');
    });

    it('MultiRegion with a custom key store → 400 naming aws_param.MultiRegion', async () => {
      const res = await refused({
        ...base,
        aws_param: { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1234567890abcdef0', MultiRegion: true },
      });
      expectBadRequest(res, 'aws_param.MultiRegion');
    });

    it('an asymmetric key in a custom key store → 400 naming the spec', async () => {
      const res = await refused({
        ...base,
        aws_param: {
          Origin: 'AWS_CLOUDHSM',
          CustomKeyStoreId: 'cks-1234567890abcdef0',
          KeySpec: 'RSA_2048',
          KeyUsage: 'SIGN_VERIFY',
        },
      });
      expectBadRequest(res, 'aws_param.KeySpec', 'SYMMETRIC_DEFAULT');
    });

    it('Origin EXTERNAL creates a key waiting for its material: PendingImport, key_material_origin external', async () => {
      const r = await createKeyOk(t, { ...base, aws_param: { Origin: 'EXTERNAL', Description: 'byok' } });
      expect(r).toMatchObject({ key_material_origin: 'external', key_type: 'symmetric', status: 'ready' });
      expect(r.aws_param).toMatchObject({
        Origin: 'EXTERNAL',
        KeyState: 'PendingImport',
        Enabled: false,
        Description: 'byok',
        KeyRotationEnabled: false,
      });
      const d = await emulator(t, 'us-east-1', 'DescribeKey', { KeyId: r.aws_param.KeyID });
      expect(d.KeyMetadata).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport' });
      expect(await listIds(t, 'key_material_origin=external')).toEqual([r.id]);
    });
  });

  describe('tags', () => {
    it.each([
      ['a space', 'two words'],
      ['#', 'a#b'],
      ['*', 'a*'],
      ['a comma', 'a,b'],
    ])('a TagValue with %s → 400 naming aws_param.Tags[1].TagValue', async (_what, value) => {
      const res = await refused({
        ...base,
        aws_param: {
          Tags: [
            { TagKey: 'ok', TagValue: 'fine_./=+-@' },
            { TagKey: 'bad', TagValue: value },
          ],
        },
      });
      expectBadRequest(res, 'aws_param.Tags[1].TagValue');
    });

    it('every allowed character (letters, digits, _ . / = + - @) and an empty value are accepted', async () => {
      const r = await createKeyOk(t, {
        ...base,
        aws_param: {
          Tags: [
            { TagKey: 'all', TagValue: 'Az09_./=+-@' },
            { TagKey: 'empty', TagValue: '' },
          ],
        },
      });
      expect(r.aws_param.Tags).toEqual(
        expect.arrayContaining([
          { TagKey: 'all', TagValue: 'Az09_./=+-@' },
          { TagKey: 'empty', TagValue: '' },
        ]),
      );
      const tags = await emulator(t, 'us-east-1', 'ListResourceTags', { KeyId: r.aws_param.KeyID });
      expect(tags.Tags).toEqual(
        expect.arrayContaining([
          { TagKey: 'all', TagValue: 'Az09_./=+-@' },
          { TagKey: 'cckm_record_id', TagValue: r.id },
        ]),
      );
    });

    it('the same TagKey twice → 400 naming aws_param.Tags[1].TagKey', async () => {
      const res = await refused({
        ...base,
        aws_param: {
          Tags: [
            { TagKey: 'dup', TagValue: 'a' },
            { TagKey: 'dup', TagValue: 'b' },
          ],
        },
      });
      expectBadRequest(res, 'aws_param.Tags[1].TagKey', 'twice');
    });

    it.each(['aws:created', 'AWS:x'])(
      'a TagKey with the reserved prefix (%s) → 400 naming aws_param.Tags[0].TagKey',
      async (key) => {
        const res = await refused({ ...base, aws_param: { Tags: [{ TagKey: key, TagValue: 'v' }] } });
        expectBadRequest(res, 'aws_param.Tags[0].TagKey', 'aws:');
      },
    );

    it.each(['cckm_record_id', 'cckm_policy_template_id'])(
      'the tag %s that opencckm sets itself → 400 naming aws_param.Tags[0].TagKey',
      async (key) => {
        const res = await refused({ ...base, aws_param: { Tags: [{ TagKey: key, TagValue: 'x' }] } });
        expectBadRequest(res, 'aws_param.Tags[0].TagKey', key);
      },
    );

    it('an empty TagKey is refused by the contract', async () => {
      const res = await refused({ ...base, aws_param: { Tags: [{ TagKey: '', TagValue: 'x' }] } });
      expectError(res, 400, 'NCERRBadRequest', 'TagKey');
    });
  });

  describe('aliases', () => {
    it.each(['alias/aws/x', 'aws/x'])('%s (the AWS-managed prefix) → 400 naming aws_param.Alias', async (alias) => {
      const res = await refused({ ...base, aws_param: { Alias: alias } });
      expectBadRequest(res, 'aws_param.Alias', 'alias/aws/');
    });

    it('an alias with a character AWS does not allow (:) → 400 naming aws_param.Alias', async () => {
      const res = await refused({ ...base, aws_param: { Alias: 'a:b' } });
      expectBadRequest(res, 'aws_param.Alias');
    });

    it('accepts the alias with or without alias/', async () => {
      const [a, b] = await Promise.all([
        createKeyOk(t, { ...base, aws_param: { Alias: 'alias/with-prefix' } }),
        createKeyOk(t, { ...base, aws_param: { Alias: 'without-prefix' } }),
      ]);
      expect(a.aws_param.Alias).toEqual(['alias/with-prefix']);
      expect(b.aws_param.Alias).toEqual(['alias/without-prefix']);
    });

    it('an alias already used → 409 AlreadyExistsException; no second record, no second key in the emulator', async () => {
      const first = await createKeyOk(t, { ...base, aws_param: { Alias: 'taken' } });
      const res = await refused({ ...base, aws_param: { Alias: 'alias/taken', Description: 'second' } });
      expectError(res, 409, 'NCERRConflict', 'alias/taken', 'AlreadyExistsException');
      // The alias still names the first key.
      const d = await emulator(t, 'us-east-1', 'DescribeKey', { KeyId: 'alias/taken' });
      expect(d.KeyMetadata!.KeyId).toBe(first.aws_param.KeyID);
      expect(await listIds(t, 'alias=taken')).toEqual([first.id]);
    });

    it('two concurrent creates with the same alias: one 201, one 409, and one usable key with the alias', async () => {
      const before = await emulatorKeyIds(t, 'us-west-2');
      const results = await Promise.all(
        [1, 2, 3].map((n) =>
          createKey(t, { kms: 'kms', region: 'us-west-2', aws_param: { Alias: 'raced', Description: `n${n}` } }),
        ),
      );
      const ok = results.filter((r) => r.status === 201);
      expect(ok).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, 'NCERRConflict', 'alias/raced');
      const winner = ok[0]!.body;
      expect(await listIds(t, 'region=us-west-2&alias=raced')).toEqual([winner.id]);
      // Only the winner's record exists for this region and alias, and the emulator holds no
      // other usable key: a loser's key, if one was made, is scheduled for deletion.
      const created = (await emulatorKeyIds(t, 'us-west-2')).filter((id) => !before.includes(id));
      const states = await Promise.all(
        created.map(async (id) => (await emulator(t, 'us-west-2', 'DescribeKey', { KeyId: id })).KeyMetadata!),
      );
      expect(states.filter((m) => m.KeyState !== 'PendingDeletion').map((m) => m.KeyId)).toEqual([
        winner.aws_param.KeyID,
      ]);
      expect(await listIds(t, 'region=us-west-2')).toEqual([winner.id]);
    });

    it('the same alias in another region is fine (aliases are per region)', async () => {
      await createKeyOk(t, { ...base, aws_param: { Alias: 'per-region' } });
      const other = await createKeyOk(t, { kms: 'kms', region: 'eu-west-1', aws_param: { Alias: 'per-region' } });
      expect(other.aws_param.Alias).toEqual(['alias/per-region']);
    });
  });

  describe('kms and region', () => {
    it('an unknown kms → 400 naming kms', async () => {
      const res = await refused({ kms: 'no-such-kms', region: 'us-east-1' });
      expectBadRequest(res, 'kms');
    });

    it('a region the KMS account does not have → 400 naming region', async () => {
      const res = await refused({ kms: 'kms', region: 'eu-central-1' });
      expectBadRequest(res, 'region', 'eu-central-1');
    });

    it('a malformed region is refused by the contract', async () => {
      const res = await refused({ kms: 'kms', region: 'Mars' });
      expectError(res, 400, 'NCERRBadRequest', 'region');
    });

    it('missing kms → 400 naming kms', async () => {
      const res = await refused({ region: 'us-east-1' });
      expectError(res, 400, 'NCERRBadRequest', 'kms');
    });

    it('an unknown field in aws_param is refused, naming it', async () => {
      const res = await refused({ ...base, aws_param: { KeySpecs: 'RSA_2048' } });
      expectError(res, 400, 'NCERRBadRequest', 'KeySpecs');
    });

    it('a read-only user (cckm_users) cannot create keys: 403', async () => {
      const token = await t.userToken('reader', ['cckm_users']);
      const res = await request(t.http).post(KEYS).set('Authorization', bearer(token)).send(base);
      expectError(res, 403, 'NCERRForbidden');
    });

    it('no token: 401', async () => {
      const res = await request(t.http).post(KEYS).send(base);
      expectError(res, 401, 'NCERRUnauthorizedAccess');
    });
  });

  describe('policy inputs are mutually exclusive (the message names both fields)', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' },
      ],
    };
    const lists = ['key_admins', 'key_admins_roles', 'key_users', 'key_users_roles', 'external_accounts'] as const;
    const listValue = (f: string) => (f === 'external_accounts' ? ['111122223333'] : ['someone']);

    it('aws_param.Policy + policytemplate', async () => {
      const res = await refused({ ...base, aws_param: { Policy: policy }, policytemplate: templateId });
      expectBadRequest(res, 'aws_param.Policy', 'policytemplate', 'mutually exclusive');
    });

    it.each(lists)('aws_param.Policy + %s', async (field) => {
      const res = await refused({ ...base, aws_param: { Policy: policy }, [field]: listValue(field) });
      expectBadRequest(res, 'aws_param.Policy', field, 'mutually exclusive');
    });

    it.each(lists)('policytemplate + %s', async (field) => {
      const res = await refused({ ...base, policytemplate: 'tpl-x', [field]: listValue(field) });
      expectBadRequest(res, 'policytemplate', field, 'mutually exclusive');
    });

    it('a policy given as a JSON string counts as aws_param.Policy too', async () => {
      const res = await refused({ ...base, aws_param: { Policy: JSON.stringify(policy) }, key_users: ['bob'] });
      expectBadRequest(res, 'aws_param.Policy', 'key_users');
    });

    it('several principal lists together are one way, not a conflict', async () => {
      const r = await createKeyOk(t, {
        ...base,
        key_admins: ['adm'],
        key_users: ['usr'],
        external_accounts: ['111122223333'],
      });
      expect(r.key_admins).toEqual(['adm']);
      expect(r.key_users).toEqual(['usr']);
      expect(r.external_accounts).toEqual(['111122223333']);
    });

    it('a bad principal entry is named with its index', async () => {
      const res = await refused({ ...base, external_accounts: ['111122223333', '12345'] });
      expectError(res, 400, 'NCERRBadRequest', 'external_accounts');
    });

    it('an unknown policytemplate → 400 naming policytemplate', async () => {
      const res = await refused({ ...base, policytemplate: 'no-such-template' });
      expectBadRequest(res, 'policytemplate');
    });

    it('a Policy that is not valid JSON → 400 naming aws_param.Policy', async () => {
      const res = await refused({ ...base, aws_param: { Policy: '{not json' } });
      expectBadRequest(res, 'aws_param.Policy', 'JSON');
    });

    it('a Policy without statements → 400 naming aws_param.Policy', async () => {
      const res = await refused({
        ...base,
        aws_param: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) },
      });
      expectBadRequest(res, 'aws_param.Policy', 'Statement');
    });
  });

  it('GET of an unknown key id → 404 NCERRResourceNotFound', async () => {
    const res = await get(t, `${KEYS}/00000000-0000-4000-8000-000000000000`);
    expectError(res, 404, 'NCERRResourceNotFound');
  });
});
