import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import {
  addKmsAccount,
  createKeyOk,
  emulator,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  listIds,
  TEMPLATES,
  type Body,
} from './helpers.js';

/** GET /cckm/aws/keys: paging, sorting and every filter, over ~25 keys in 2 regions and 2 KMS accounts. */
describe('GET /cckm/aws/keys — paging, sort, filters', () => {
  let t: TestApp;
  /** Named keys; `all` is every record id. */
  type Name = 'alpha' | 'rsa' | 'mac' | 'mrk' | 'ecdh' | 'ext' | 'tpl' | 'disabled' | 'gone' | 'other';
  const k = {} as Record<Name, Body>;
  let all: string[];
  let fillers: Body[];
  let templateId: string;
  let kms2Id: string;
  let kmsId: string;
  const ids = (...names: Name[]) => names.map((n) => k[n].id as string).sort();

  beforeAll(async () => {
    t = await startTestApp('keys_list');
    kms2Id = (
      await addKmsAccount(t, { connection: 'emulator-b', cloudName: 'aws', kms: 'kms-b', regions: ['us-east-1'] })
    ).id;
    const tpl = await request(t.http)
      .post(TEMPLATES)
      .set('Authorization', bearer(t.adminToken))
      .send({ name: 'tpl', kms: 'kms', key_users: ['u'] });
    templateId = tpl.body.id;
    const E = 'us-east-1';
    const W = 'eu-west-1';
    // Created one after the other so createdAt order is the creation order.
    k.alpha = await createKeyOk(t, {
      kms: 'kms',
      region: E,
      aws_param: {
        Alias: 'alpha',
        Tags: [
          { TagKey: 'env', TagValue: 'prod' },
          { TagKey: 'team', TagValue: 'a' },
        ],
      },
    });
    k.rsa = await createKeyOk(t, {
      kms: 'kms',
      region: E,
      aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Tags: [{ TagKey: 'env', TagValue: 'dev' }] },
    });
    k.mac = await createKeyOk(t, {
      kms: 'kms',
      region: E,
      aws_param: { CustomerMasterKeySpec: 'HMAC_256', Alias: 'alias/mac-key' },
    });
    k.mrk = await createKeyOk(t, {
      kms: 'kms',
      region: W,
      aws_param: { MultiRegion: true, Alias: 'multi', Tags: [{ TagKey: 'env', TagValue: 'prod' }] },
    });
    k.ecdh = await createKeyOk(t, {
      kms: 'kms',
      region: W,
      aws_param: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' },
    });
    k.ext = await createKeyOk(t, { kms: 'kms', region: W, aws_param: { Origin: 'EXTERNAL' } });
    k.tpl = await createKeyOk(t, { kms: 'kms', region: E, policytemplate: 'tpl' });
    k.disabled = await createKeyOk(t, { kms: 'kms', region: W, aws_param: { Alias: 'off' } });
    k.gone = await createKeyOk(t, { kms: 'kms', region: E });
    k.other = await createKeyOk(t, {
      kms: 'kms-b',
      region: E,
      aws_param: { Tags: [{ TagKey: 'team', TagValue: 'b' }] },
    });
    fillers = [];
    for (let i = 0; i < 15; i++)
      fillers.push(
        await createKeyOk(t, {
          kms: 'kms',
          region: i % 2 ? W : E,
          aws_param: { Tags: [{ TagKey: 'batch', TagValue: String(i) }] },
        }),
      );
    // A disabled key (disabled in AWS, then refreshed) and a key AWS no longer has.
    await emulator(t, W, 'DisableKey', { KeyId: k.disabled.aws_param.KeyID });
    const refreshed = await request(t.http)
      .post(`${KEYS}/${k.disabled.id}/refresh`)
      .set('Authorization', bearer(t.adminToken));
    expect(refreshed.body.aws_param).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    await t.db.db.updateTable('awsKeys').set({ gone: true }).where('id', '=', k.gone.id).execute();
    all = [...Object.values(k), ...fillers].map((r) => r.id as string).sort();
    kmsId = k.alpha.kms_id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('paging', () => {
    it('default: skip 0, limit 10, total of all', async () => {
      const res = await get(t, KEYS);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ skip: 0, limit: 10, total: 25 });
      expect(res.body.resources).toHaveLength(10);
    });

    it('skip/limit walk the whole list once, in createdAt order, with a stable total', async () => {
      const seen: string[] = [];
      for (let skip = 0; skip < 25; skip += 7) {
        const res = await get(t, `${KEYS}?skip=${skip}&limit=7`);
        expect(res.body).toMatchObject({ skip, limit: 7, total: 25 });
        expect(res.body.resources).toHaveLength(Math.min(7, 25 - skip));
        seen.push(...res.body.resources.map((r: { id: string }) => r.id));
      }
      expect(seen).toHaveLength(25);
      expect([...seen].sort()).toEqual(all);
      expect(seen.slice(0, 3)).toEqual([k.alpha.id, k.rsa.id, k.mac.id]);
    });

    it('skip past the end: empty page, the total still counted', async () => {
      const res = await get(t, `${KEYS}?skip=100&limit=5`);
      expect(res.body).toMatchObject({ skip: 100, limit: 5, total: 25, resources: [] });
    });

    it('limit=-1 answers all', async () => {
      const res = await get(t, `${KEYS}?limit=-1`);
      expect(res.body).toMatchObject({ skip: 0, limit: -1, total: 25 });
      expect(res.body.resources).toHaveLength(25);
    });

    it.each(['limit=-2', 'limit=1001', 'skip=-1', 'limit=abc'])('%s → 400 naming the parameter', async (q) => {
      expectError(await get(t, `${KEYS}?${q}`), 400, 'NCERRBadRequest', q.split('=')[0]!);
    });
  });

  describe('sort', () => {
    const order = async (q: string) => (await get(t, `${KEYS}?limit=-1&${q}`)).body.resources as Body[];

    it('createdAt ascending and -createdAt descending are reverses of each other', async () => {
      const asc = await order('sort=createdAt');
      const desc = await order('sort=-createdAt');
      expect(asc.map((r) => r.id)).toEqual([...desc.map((r) => r.id)].reverse());
      expect(asc[0]!.id).toBe(k.alpha.id);
      expect(desc[0]!.id).toBe(fillers[14]!.id);
      for (let i = 1; i < asc.length; i++)
        expect(Date.parse(asc[i]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(asc[i - 1]!.createdAt));
    });

    it('region, and -region', async () => {
      const regions = (await order('sort=region')).map((r) => r.region);
      expect(regions).toEqual([...regions].sort());
      expect(regions[0]).toBe('eu-west-1');
      const desc = (await order('sort=-region')).map((r) => r.region);
      expect(desc[0]).toBe('us-east-1');
      expect(desc).toEqual([...regions].reverse());
    });

    it('keystate', async () => {
      const states = (await order('sort=keystate')).map((r) => r.aws_param.KeyState);
      expect(states).toEqual([...states].sort());
    });

    it.each(['sort=nope', 'sort=-nope', 'sort=aws_param'])('%s → 400 naming sort', async (q) => {
      expectBadRequest(await get(t, `${KEYS}?${q}`), 'sort');
    });
  });

  describe('filters (each returns exactly the expected set)', () => {
    const fillerIds = (pred: (i: number) => boolean) => fillers.filter((_, i) => pred(i)).map((f) => f.id as string);
    const sorted = (a: string[]) => [...a].sort();

    it('kms by name and by id, kms_id', async () => {
      expect(await listIds(t, 'kms=kms-b')).toEqual(ids('other'));
      expect(await listIds(t, `kms=${kms2Id}`)).toEqual(ids('other'));
      expect(await listIds(t, `kms_id=${kms2Id}`)).toEqual(ids('other'));
      expect(await listIds(t, 'kms=kms')).toEqual(all.filter((id) => id !== k.other.id));
      expect(await listIds(t, `kms=kms&kms=kms-b`)).toEqual(all);
      expect(await listIds(t, `kms_id=${kmsId}&kms=kms-b`)).toEqual([]);
      expect(await listIds(t, 'kms=unknown-kms')).toEqual([]);
    });

    it('region, repeated', async () => {
      const west = sorted([k.mrk.id, k.ecdh.id, k.ext.id, k.disabled.id, ...fillerIds((i) => i % 2 === 1)]);
      expect(await listIds(t, 'region=eu-west-1')).toEqual(west);
      expect(await listIds(t, 'region=us-east-1')).toEqual(all.filter((id) => !west.includes(id)));
      expect(await listIds(t, 'region=us-east-1&region=eu-west-1')).toEqual(all);
      expect(await listIds(t, 'region=ap-south-1')).toEqual([]);
    });

    it('alias, with and without alias/, repeated', async () => {
      expect(await listIds(t, 'alias=alpha')).toEqual(ids('alpha'));
      // '/' percent-encoded: the OpenAPI validator refuses reserved characters in query values.
      expect(await listIds(t, 'alias=alias%2Falpha')).toEqual(ids('alpha'));
      expect(await listIds(t, 'alias=mac-key&alias=alias%2Fmulti')).toEqual(ids('mac', 'mrk'));
      expect(await listIds(t, 'alias=none-such')).toEqual([]);
    });

    it('keyid and arn', async () => {
      expect(await listIds(t, `keyid=${k.rsa.aws_param.KeyID}`)).toEqual(ids('rsa'));
      expect(await listIds(t, `keyid=${k.rsa.aws_param.KeyID}&keyid=${k.mrk.aws_param.KeyID}`)).toEqual(
        ids('rsa', 'mrk'),
      );
      expect(await listIds(t, `arn=${encodeURIComponent(k.ecdh.aws_param.Arn)}`)).toEqual(ids('ecdh'));
      expect(await listIds(t, `keyid=00000000-0000-0000-0000-000000000000`)).toEqual([]);
    });

    it('custom_key_store_id, repeated; the counts follow it', async () => {
      // Records in stores as a synchronization would write them (the column AWS's CustomKeyStoreId fills).
      const inStore = async (id: string, store: string | null) =>
        t.db.db.updateTable('awsKeys').set({ customKeyStoreId: store }).where('id', '=', id).execute();
      await inStore(k.alpha.id, 'cks-1111111111111111a');
      await inStore(k.mac.id, 'cks-2222222222222222b');
      try {
        expect(await listIds(t, 'custom_key_store_id=cks-1111111111111111a')).toEqual(ids('alpha'));
        expect(
          await listIds(t, 'custom_key_store_id=cks-1111111111111111a&custom_key_store_id=cks-2222222222222222b'),
        ).toEqual(ids('alpha', 'mac'));
        expect(await listIds(t, 'custom_key_store_id=cks-1111111111111111a&region=eu-west-1')).toEqual([]);
        expect(await listIds(t, 'custom_key_store_id=cks-0000000000000000c')).toEqual([]);
        const stats = await get(t, `${KEYS}/stats?group_by=state&custom_key_store_id=cks-2222222222222222b`);
        expect(stats.body).toMatchObject({ total: 1, counts: [{ value: 'Enabled', count: 1 }] });
        expectBadRequest(await get(t, `${KEYS}?custom_key_store_id=${'c'.repeat(65)}`), 'custom_key_store_id');
      } finally {
        await inStore(k.alpha.id, null);
        await inStore(k.mac.id, null);
      }
    });

    it('id, repeated', async () => {
      expect(await listIds(t, `id=${k.alpha.id}&id=${k.ext.id}`)).toEqual(ids('alpha', 'ext'));
    });

    it('keystate', async () => {
      expect(await listIds(t, 'keystate=PendingImport')).toEqual(ids('ext'));
      expect(await listIds(t, 'keystate=Disabled')).toEqual(ids('disabled'));
      expect(await listIds(t, 'keystate=Disabled&keystate=PendingImport')).toEqual(ids('disabled', 'ext'));
      expect(await listIds(t, 'keystate=Enabled')).toEqual(all.filter((id) => ![k.ext.id, k.disabled.id].includes(id)));
    });

    it('keyusage', async () => {
      expect(await listIds(t, 'keyusage=SIGN_VERIFY')).toEqual(ids('rsa'));
      expect(await listIds(t, 'keyusage=GENERATE_VERIFY_MAC')).toEqual(ids('mac'));
      expect(await listIds(t, 'keyusage=KEY_AGREEMENT&keyusage=SIGN_VERIFY')).toEqual(ids('ecdh', 'rsa'));
    });

    it('origin and key_material_origin', async () => {
      expect(await listIds(t, 'origin=EXTERNAL')).toEqual(ids('ext'));
      expect(await listIds(t, 'key_material_origin=external')).toEqual(ids('ext'));
      expect(await listIds(t, 'origin=AWS_KMS')).toEqual(all.filter((id) => id !== k.ext.id));
      expect(await listIds(t, 'key_material_origin=native')).toEqual(all.filter((id) => id !== k.ext.id));
      expect(await listIds(t, 'key_material_origin=cloudhsm')).toEqual([]);
    });

    it('key_type', async () => {
      expect(await listIds(t, 'key_type=hmac')).toEqual(ids('mac'));
      expect(await listIds(t, 'key_type=asymmetric')).toEqual(ids('rsa', 'ecdh'));
      expect(await listIds(t, 'key_type=symmetric')).toEqual(
        all.filter((id) => ![k.mac.id, k.rsa.id, k.ecdh.id].includes(id)),
      );
    });

    it('CustomerMasterKeySpec', async () => {
      expect(await listIds(t, 'CustomerMasterKeySpec=RSA_2048')).toEqual(ids('rsa'));
      expect(await listIds(t, 'CustomerMasterKeySpec=HMAC_256&CustomerMasterKeySpec=ECC_NIST_P256')).toEqual(
        ids('mac', 'ecdh'),
      );
      expect(await listIds(t, 'CustomerMasterKeySpec=RSA_4096')).toEqual([]);
    });

    it('multi_region and multi_region_key_type', async () => {
      expect(await listIds(t, 'multi_region=true')).toEqual(ids('mrk'));
      expect(await listIds(t, 'multi_region=false')).toEqual(all.filter((id) => id !== k.mrk.id));
      expect(await listIds(t, 'multi_region_key_type=PRIMARY')).toEqual(ids('mrk'));
      expect(await listIds(t, 'multi_region=true&multi_region_key_type=PRIMARY')).toEqual(ids('mrk'));
      expect(await listIds(t, 'multi_region_key_type=REPLICA')).toEqual([]);
    });

    it('gone', async () => {
      expect(await listIds(t, 'gone=true')).toEqual(ids('gone'));
      expect(await listIds(t, 'gone=false')).toEqual(all.filter((id) => id !== k.gone.id));
    });

    it('enabled', async () => {
      expect(await listIds(t, 'enabled=false')).toEqual(ids('ext', 'disabled'));
      expect(await listIds(t, 'enabled=true')).toEqual(all.filter((id) => ![k.ext.id, k.disabled.id].includes(id)));
    });

    it('tags=key and tags=key=value; several tags must all match', async () => {
      expect(await listIds(t, 'tags=env')).toEqual(ids('alpha', 'rsa', 'mrk'));
      expect(await listIds(t, 'tags=env=prod')).toEqual(ids('alpha', 'mrk'));
      expect(await listIds(t, 'tags=env=prod&tags=team=a')).toEqual(ids('alpha'));
      expect(await listIds(t, 'tags=team')).toEqual(ids('alpha', 'other'));
      expect(await listIds(t, 'tags=batch=3')).toEqual([fillers[3]!.id]);
      expect(await listIds(t, 'tags=batch')).toEqual(sorted(fillers.map((f) => f.id)));
      expect(await listIds(t, 'tags=env=staging')).toEqual([]);
      // The tags opencckm sets itself are tags of the key too.
      expect(await listIds(t, `tags=cckm_policy_template_id=${templateId}`)).toEqual(ids('tpl'));
    });

    it('cckm_policy_template_id', async () => {
      expect(await listIds(t, `cckm_policy_template_id=${templateId}`)).toEqual(ids('tpl'));
    });

    it('cloud_name', async () => {
      expect(await listIds(t, 'cloud_name=aws')).toEqual(all);
      expect(await listIds(t, 'cloud_name=aws-cn')).toEqual([]);
    });

    it('filters combine with AND, and page over the filtered set', async () => {
      expect(await listIds(t, 'region=eu-west-1&key_type=symmetric&enabled=true&multi_region=false')).toEqual(
        sorted(fillerIds((i) => i % 2 === 1)),
      );
      const res = await get(t, `${KEYS}?tags=batch&limit=4&skip=12&sort=createdAt`);
      expect(res.body).toMatchObject({ skip: 12, limit: 4, total: 15 });
      expect(res.body.resources.map((r: { id: string }) => r.id)).toEqual(fillers.slice(12).map((f) => f.id));
    });

    it.each([
      ['keystate=Sleeping', 'keystate'],
      ['keyusage=DECRYPT_ONLY', 'keyusage'],
      ['key_type=quantum', 'key_type'],
      ['gone=yes', 'gone'],
      ['id=not-a-uuid', 'id'],
      ['region=Moon', 'region'],
    ])('a bad value (%s) → 400 naming the filter', async (q, name) => {
      expectError(await get(t, `${KEYS}?${q}`), 400, 'NCERRBadRequest', name);
    });

    it('alias=aws/… is refused like on create (400 naming alias)', async () => {
      expectBadRequest(await get(t, `${KEYS}?alias=aws%2Febs`), 'alias');
    });
  });

  it('another account sees none of these keys', async () => {
    const token = await t.userToken('outsider', ['admin'], 'other');
    const res = await request(t.http).get(KEYS).set('Authorization', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
    expectError(
      await request(t.http).get(`${KEYS}/${k.alpha.id}`).set('Authorization', bearer(token)),
      404,
      'NCERRResourceNotFound',
    );
  });
});
