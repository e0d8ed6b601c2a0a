import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, expectBadRequest, get, KEYS, listIds, type Body } from './helpers.js';

/**
 * What the console's charts and search box rely on: GET /cckm/aws/keys/stats counts the
 * keys the list's filters match, by state or region, and `search` finds a key by a piece
 * of its alias, key id, ARN or description, taking LIKE wildcards literally.
 */
describe('GET /cckm/aws/keys/stats and the search filter', () => {
  let t: TestApp;
  const k = {} as Record<'pct' | 'thousand' | 'under' | 'plain' | 'east2' | 'off', Body>;
  const stats = async (query: string) => {
    const res = await get(t, `${KEYS}/stats?${query}`);
    if (res.status !== 200) throw new Error(`stats ?${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Body;
  };
  const search = (text: string, more = '') => listIds(t, `search=${encodeURIComponent(text)}${more}`);
  const ids = (...names: (keyof typeof k)[]) => names.map((n) => k[n].id as string).sort();

  beforeAll(async () => {
    t = await startTestApp('keys_stats');
    const E = 'us-east-1';
    const W = 'eu-west-1';
    k.pct = await createKeyOk(t, {
      kms: 'kms',
      region: E,
      aws_param: { Alias: 'Payments-Primary', Description: 'rotates at 100% of quota' },
    });
    k.thousand = await createKeyOk(t, {
      kms: 'kms',
      region: W,
      aws_param: { Description: 'rotates at 1000 of quota' },
    });
    k.under = await createKeyOk(t, { kms: 'kms', region: W, aws_param: { Alias: 'ledger_key' } });
    k.plain = await createKeyOk(t, { kms: 'kms', region: E, aws_param: { Alias: 'ledgerXkey' } });
    k.east2 = await createKeyOk(t, { kms: 'kms', region: W, aws_param: { Description: 'back\\slash' } });
    k.off = await createKeyOk(t, { kms: 'kms', region: W });
    for (const key of [k.under, k.off]) {
      const res = await request(t.http)
        .post(`${KEYS}/${key.id}/disable`)
        .set('Authorization', bearer(t.adminToken))
        .send({});
      expect(res.status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('stats', () => {
    it('counts by state, largest group first, with the total', async () => {
      expect(await stats('group_by=state')).toEqual({
        group_by: 'state',
        total: 6,
        counts: [
          { value: 'Enabled', count: 4 },
          { value: 'Disabled', count: 2 },
        ],
      });
    });

    it('counts by region', async () => {
      expect(await stats('group_by=region')).toEqual({
        group_by: 'region',
        total: 6,
        counts: [
          { value: 'eu-west-1', count: 4 },
          { value: 'us-east-1', count: 2 },
        ],
      });
    });

    it('takes the list filters, so the charts agree with the table', async () => {
      expect(await stats('group_by=state&region=eu-west-1')).toEqual({
        group_by: 'state',
        total: 4,
        counts: [
          { value: 'Disabled', count: 2 },
          { value: 'Enabled', count: 2 },
        ],
      });
      const filtered = await stats('group_by=region&keystate=Disabled&search=ledger');
      expect(filtered).toEqual({ group_by: 'region', total: 1, counts: [{ value: 'eu-west-1', count: 1 }] });
      const list = await get(t, `${KEYS}?keystate=Disabled&search=ledger`);
      expect(list.body.total).toBe(filtered.total);
    });

    it('a KMS account the caller does not have counts nothing', async () => {
      expect(await stats('group_by=state&kms=no-such-kms')).toEqual({ group_by: 'state', total: 0, counts: [] });
    });

    it.each([
      ['', 'group_by'],
      ['group_by=owner', 'group_by'],
      ['group_by=__proto__', 'group_by'],
      ['group_by=state&search=', 'search'],
      [`group_by=state&search=${'a'.repeat(129)}`, 'search'],
      ['group_by=state&keystate=Melted', 'keystate'],
    ])('?%s → 400 naming %s', async (query, field) => {
      expectBadRequest(await get(t, `${KEYS}/stats?${query}`), field);
    });

    it('needs a token', async () => {
      expect((await request(t.http).get(`${KEYS}/stats?group_by=state`)).status).toBe(401);
    });
  });

  describe('search', () => {
    it('finds a piece of an alias in any case', async () => {
      expect(await search('payments-PRI')).toEqual(ids('pct'));
      expect(await search('ledger')).toEqual(ids('under', 'plain'));
    });

    it('finds a piece of the AWS key id and of the ARN', async () => {
      const keyId = k.thousand.aws_param.KeyID as string;
      expect(await search(keyId.slice(4, 20).toUpperCase())).toEqual(ids('thousand'));
      const arn = k.under.aws_param.Arn as string;
      expect(arn).toContain(':key/');
      expect(await search(arn)).toEqual(ids('under'));
    });

    it('finds a piece of the description', async () => {
      expect(await search('OF QUOTA')).toEqual(ids('pct', 'thousand'));
    });

    it('takes % and _ literally, not as wildcards', async () => {
      expect(await search('100%')).toEqual(ids('pct'));
      expect(await search('ledger_')).toEqual(ids('under'));
      expect(await search('%')).toEqual(ids('pct'));
      expect(await search('_')).toEqual(ids('under'));
      expect(await search('k\\s')).toEqual(ids('east2'));
      expect(await search('\\')).toEqual(ids('east2'));
    });

    it('combines with the other filters and with paging', async () => {
      expect(await search('ledger', '&keystate=Enabled')).toEqual(ids('plain'));
      const page = await get(t, `${KEYS}?search=quota&limit=1&sort=createdAt`);
      expect(page.body).toMatchObject({ total: 2, limit: 1 });
      expect(page.body.resources.map((r: Body) => r.id)).toEqual([k.pct.id]);
    });

    it('matches nothing for text no key has', async () => {
      expect(await search("nothing'like--this")).toEqual([]);
    });

    it.each([
      ['search=', 'search'],
      [`search=${'x'.repeat(129)}`, 'search'],
    ])('?%s → 400 naming %s', async (query, field) => {
      expectBadRequest(await get(t, `${KEYS}?${query}`), field);
    });
  });
});
