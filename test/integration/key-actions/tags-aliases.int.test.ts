import { createPublicKey, verify } from 'node:crypto';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  act,
  actOk,
  createKeyOk,
  describe_,
  emulator,
  emulatorAliases,
  emulatorTags,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  read,
  type Body,
} from './helpers.js';

/** add-tags, remove-tags, add-alias, delete-alias, update-description, download-public-key. */
describe('key actions: tags, aliases, description, public key', () => {
  let t: TestApp;
  let reader: string;
  beforeAll(async () => {
    t = await startTestApp('key_actions_tags');
    reader = await t.userToken('reader', ['cckm_users']);
  });
  afterAll(async () => {
    await t?.close();
  });
  const userTags = (r: Body) => (r.aws_param.Tags as Body[]).filter((x) => !String(x.TagKey).startsWith('cckm_'));

  it('add-tags in both spellings, overwriting a value; remove-tags; record and emulator agree', async () => {
    const k = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { Tags: [{ TagKey: 'env', TagValue: 'dev' }] },
    });
    const keyId = k.aws_param.KeyID;
    const added = await actOk(t, k.id, 'add-tags', {
      tags: [{ tag_key: 'team', tag_value: 'blue' }, { TagKey: 'env', TagValue: 'prod' }, { tag_key: 'empty' }],
    });
    expect(userTags(added)).toEqual(
      expect.arrayContaining([
        { TagKey: 'team', TagValue: 'blue' },
        { TagKey: 'env', TagValue: 'prod' },
        { TagKey: 'empty', TagValue: '' },
      ]),
    );
    expect(userTags(added)).toHaveLength(3);
    const stored = await emulatorTags(t, 'us-east-1', keyId);
    expect(stored).toMatchObject({ team: 'blue', env: 'prod', empty: '', cckm_record_id: k.id });
    // The record's tags column (used by the tags filter) follows.
    expect((await get(t, `${KEYS}?tags=team=blue`)).body.resources.map((x: Body) => x.id)).toEqual([k.id]);

    const removed = await actOk(t, k.id, 'remove-tags', { tags: ['team', 'empty', 'never-there'] });
    expect(userTags(removed)).toEqual([{ TagKey: 'env', TagValue: 'prod' }]);
    const after = await emulatorTags(t, 'us-east-1', keyId);
    expect(after).toEqual({ env: 'prod', cckm_record_id: k.id });
    expect((await get(t, `${KEYS}?tags=team`)).body.total).toBe(0);
  });

  it("tag rules of create → 400 naming the tag field; opencckm's own tags refused; nothing is tagged", async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const cases: [object, string][] = [
      [{ tags: [{ tag_key: 'cckm_record_id', tag_value: 'x' }] }, 'tags[0].tag_key'],
      [
        {
          tags: [
            { tag_key: 'ok', tag_value: 'v' },
            { TagKey: 'cckm_policy_template_id', TagValue: 'x' },
          ],
        },
        'tags[1].TagKey',
      ],
      [{ tags: [{ tag_key: 'aws:owner', tag_value: 'x' }] }, 'tags[0].tag_key'],
      [{ tags: [{ tag_key: 'bad#key', tag_value: 'x' }] }, 'tags[0].tag_key'],
      [{ tags: [{ tag_key: 'k', tag_value: 'bad value!' }] }, 'tags[0].tag_value'],
      [
        {
          tags: [
            { tag_key: 'k', tag_value: 'a' },
            { tag_key: 'k', tag_value: 'b' },
          ],
        },
        'tags[1].tag_key',
      ],
      [{ tags: [{ tag_key: 'k', TagKey: 'k' }] }, 'tags[0].tag_key'],
      [{ tags: [{ tag_value: 'v' }] }, 'tags'],
      [{ tags: [] }, 'tags'],
      [{ tags: [{ tag_key: 'x'.repeat(129) }] }, 'tags'],
      [{ tags: Array.from({ length: 51 }, (_, i) => ({ tag_key: `k${i}` })) }, 'tags'],
      [{}, 'tags'],
      [{ tags: [{ tag_key: 'k', tag_value: 'v', extra: 1 }] }, 'extra'],
    ];
    for (const [body, field] of cases) expectBadRequest(await act(t, k.id, 'add-tags', body), field);
    for (const [body, field] of [
      [{ tags: ['cckm_record_id'] }, 'tags[0]'],
      [{ tags: ['ok', 'cckm_policy_template_id'] }, 'tags[1]'],
      [{ tags: ['aws:x'] }, 'tags[0]'],
      [{ tags: [{ tag_key: 'k' }] }, 'tags'],
      [{ tags: [] }, 'tags'],
    ] as const) {
      expectBadRequest(await act(t, k.id, 'remove-tags', body), field);
    }
    expect(await emulatorTags(t, 'us-east-1', k.aws_param.KeyID)).toEqual({ cckm_record_id: k.id });
  });

  it('AWS\'s 50-tag limit → 400 TagException "Too many tags", as AWS answers (opencckm\'s record tag counts)', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const res = await act(t, k.id, 'add-tags', {
      tags: Array.from({ length: 50 }, (_, i) => ({ tag_key: `k${i}`, tag_value: 'v' })),
    });
    expectError(res, 400, 'NCERRBadRequest', 'TagException', 'Too many tags');
  });

  it('add-alias with and without alias/; delete-alias; record and emulator agree', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-west-2', aws_param: { Alias: 'first' } });
    const keyId = k.aws_param.KeyID;
    const a = await actOk(t, k.id, 'add-alias', { alias: 'second' });
    expect(a.aws_param.Alias).toEqual(['alias/first', 'alias/second']);
    const b = await actOk(t, k.id, 'add-alias', { alias: 'alias/team/third' });
    expect(b.aws_param.Alias).toEqual(['alias/first', 'alias/second', 'alias/team/third']);
    expect(await emulatorAliases(t, 'us-west-2', keyId)).toEqual(['alias/first', 'alias/second', 'alias/team/third']);
    expect((await emulator(t, 'us-west-2', 'DescribeKey', { KeyId: 'alias/team/third' })).KeyMetadata!.KeyId).toBe(
      keyId,
    );

    const c = await actOk(t, k.id, 'delete-alias', { alias: 'alias/first' });
    const d = await actOk(t, k.id, 'delete-alias', { alias: 'team/third' });
    expect(c.aws_param.Alias).toEqual(['alias/second', 'alias/team/third']);
    expect(d.aws_param.Alias).toEqual(['alias/second']);
    expect(await emulatorAliases(t, 'us-west-2', keyId)).toEqual(['alias/second']);
  });

  it("add-alias of an alias in use → 409 AlreadyExistsException; delete-alias of another key's alias or none → 400 naming alias; bad names → 400", async () => {
    const one = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Alias: 'taken' } });
    const two = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    expectError(await act(t, two.id, 'add-alias', { alias: 'taken' }), 409, 'NCERRConflict', 'AlreadyExistsException');
    expectError(
      await act(t, one.id, 'add-alias', { alias: 'alias/taken' }),
      409,
      'NCERRConflict',
      'AlreadyExistsException',
    );
    expectBadRequest(await act(t, two.id, 'delete-alias', { alias: 'taken' }), 'alias', 'not an alias of this key');
    expectBadRequest(await act(t, two.id, 'delete-alias', { alias: 'nowhere' }), 'alias', 'not an alias of this key');
    expect(await emulatorAliases(t, 'us-east-1', one.aws_param.KeyID)).toEqual(['alias/taken']);
    for (const alias of ['aws/reserved', 'bad alias', '', 'alias/']) {
      expectBadRequest(await act(t, two.id, 'add-alias', { alias }), 'alias');
    }
    expectBadRequest(await act(t, two.id, 'add-alias', {}), 'alias');
    expectBadRequest(await act(t, two.id, 'add-alias', { alias: 'x'.repeat(257) }), 'alias');
    expect(await emulatorAliases(t, 'us-east-1', two.aws_param.KeyID)).toEqual([]);
  });

  it('update-description: set, cleared, bounded at 8192 characters', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Description: 'old' } });
    const r = await actOk(t, k.id, 'update-description', { description: 'new text' });
    expect(r.aws_param.Description).toBe('new text');
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).Description).toBe('new text');
    const long = 'd'.repeat(8192);
    expect((await actOk(t, k.id, 'update-description', { description: long })).aws_param.Description).toBe(long);
    expect((await actOk(t, k.id, 'update-description', { description: '' })).aws_param.Description).toBe('');
    expectBadRequest(await act(t, k.id, 'update-description', { description: 'd'.repeat(8193) }), 'description');
    expectBadRequest(await act(t, k.id, 'update-description', {}), 'description');
    expectBadRequest(await act(t, k.id, 'update-description', { Description: 'x' }), 'description');
    expect((await describe_(t, 'us-east-1', k.aws_param.KeyID)).Description).toBe('');
  });

  it("download-public-key: the emulator's public key as PEM verifies a signature made by the emulator; readers may download", async () => {
    const k = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
    });
    const res = await read(t, k.id, 'download-public-key', '', reader);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      KeyId: k.aws_param.Arn,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(res.body.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/);
    const direct = await emulator(t, 'us-east-1', 'GetPublicKey', { KeyId: k.aws_param.KeyID });
    const pub = createPublicKey(res.body.public_key);
    expect(Buffer.from(pub.export({ type: 'spki', format: 'der' }))).toEqual(Buffer.from(direct.PublicKey!));
    const message = Buffer.from('signed by the emulator');
    const sig = await emulator(t, 'us-east-1', 'Sign', {
      KeyId: k.aws_param.KeyID,
      Message: message,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(verify('sha256', message, pub, Buffer.from(sig.Signature!))).toBe(true);
  });

  it('download-public-key of a symmetric or HMAC key → 400; unknown record → 404', async () => {
    for (const aws_param of [{}, { KeySpec: 'HMAC_256' }]) {
      const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param });
      expectBadRequest(await read(t, k.id, 'download-public-key'), 'id', 'only asymmetric keys');
    }
    expectError(
      await read(t, '00000000-0000-4000-8000-000000000abc', 'download-public-key'),
      404,
      'NCERRResourceNotFound',
    );
  });

  it('a read-only user cannot tag, alias or describe (403); nothing changes', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    const calls: [string, object][] = [
      ['add-tags', { tags: [{ tag_key: 'a', tag_value: 'b' }] }],
      ['remove-tags', { tags: ['a'] }],
      ['add-alias', { alias: 'reader-alias' }],
      ['delete-alias', { alias: 'reader-alias' }],
      ['update-description', { description: 'x' }],
      ['policy', { key_users: ['x'] }],
    ];
    for (const [action, body] of calls) expectError(await act(t, k.id, action, body, reader), 403, 'NCERRForbidden');
    expect(await emulatorAliases(t, 'us-east-1', k.aws_param.KeyID)).toEqual([]);
    expect(await emulatorTags(t, 'us-east-1', k.aws_param.KeyID)).toEqual({ cckm_record_id: k.id });
  });
});
