import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

/**
 * The list envelope `{skip, limit, total, resources}` and its parameters, on the users,
 * connections and KMS account lists. Each list holds 13 records named so that name order
 * differs from creation order.
 */
describe('list paging and sorting', () => {
  let t: TestApp;
  let admin: ReturnType<typeof as>;
  const N = 13;
  // Created in this order; sorted by name they come out differently.
  const names = Array.from({ length: N }, (_, i) => `p${String((i * 7) % N).padStart(2, '0')}`);
  const sorted = [...names].sort();

  const lists: { what: string; path: string; key: 'name' | 'username'; all: () => string[] }[] = [
    { what: 'connections', path: CONNECTIONS, key: 'name', all: () => sorted },
    { what: 'KMS accounts', path: '/cckm/aws/kms', key: 'name', all: () => sorted },
    { what: 'users', path: '/usermgmt/users', key: 'username', all: () => sorted },
  ];

  beforeAll(async () => {
    t = await startTestApp('api_paging');
    admin = as(t, t.adminToken);
    for (const name of names) {
      expectStatus(await admin.post(CONNECTIONS, { name, provider: 'emulator' }), 201);
      expectStatus(
        await admin.post('/cckm/aws/kms', {
          name,
          account_id: '123456789012',
          connection: name,
          regions: ['us-east-1'],
        }),
        201,
      );
      expectStatus(await admin.post('/usermgmt/users', { username: name, name, password: 'paging-pass-1' }), 201);
    }
    // Leave only our own records in each list: the bootstrap ones go.
    expectStatus(await admin.delete('/cckm/aws/kms/kms'), 204);
    expectStatus(await admin.delete(`${CONNECTIONS}/emulator`), 204);
  });
  afterAll(async () => {
    await t.close();
  });

  const field = (l: (typeof lists)[number]) => (r: Record<string, string>) => r[l.key];
  /** Users hold `admin` too; filter it out of every page so the lists compare alike. */
  const mine = (l: (typeof lists)[number], rs: Record<string, string>[]) =>
    rs.map(field(l)).filter((n) => n !== 'admin');

  describe.each(lists)('$what', (l) => {
    const extra = l.what === 'users' ? 1 : 0;

    it('answers 10 records by default, with the envelope', async () => {
      const res = await admin.get(l.path);
      expectStatus(res, 200);
      expect(Object.keys(res.body).sort()).toEqual(['limit', 'resources', 'skip', 'total']);
      expect(res.body).toMatchObject({ skip: 0, limit: 10, total: N + extra });
      expect(res.body.resources).toHaveLength(10);
    });

    it('skip and limit select a page; pages do not overlap and cover everything', async () => {
      const seen: string[] = [];
      for (let skip = 0; skip < N + extra; skip += 5) {
        const res = await admin.get(`${l.path}?skip=${skip}&limit=5&sort=${l.key}`);
        expectStatus(res, 200);
        expect(res.body).toMatchObject({ skip, limit: 5, total: N + extra });
        expect(res.body.resources.length).toBe(Math.min(5, N + extra - skip));
        seen.push(...res.body.resources.map(field(l)));
      }
      expect(seen.filter((n) => n !== 'admin')).toEqual(sorted);
      const past = await admin.get(`${l.path}?skip=100`);
      expect(past.body).toMatchObject({ skip: 100, total: N + extra, resources: [] });
    });

    it('limit=-1 answers all of them and echoes -1', async () => {
      const res = await admin.get(`${l.path}?limit=-1`);
      expectStatus(res, 200);
      expect(res.body).toMatchObject({ skip: 0, limit: -1, total: N + extra });
      expect(res.body.resources).toHaveLength(N + extra);
    });

    it(`sort=${l.key} ascending and -${l.key} descending`, async () => {
      const up = await admin.get(`${l.path}?limit=-1&sort=${l.key}`);
      expectStatus(up, 200);
      expect(mine(l, up.body.resources)).toEqual(sorted);
      const down = await admin.get(`${l.path}?limit=-1&sort=-${l.key}`);
      expectStatus(down, 200);
      expect(mine(l, down.body.resources)).toEqual([...sorted].reverse());
      const top = await admin.get(`${l.path}?limit=2&sort=-${l.key}`);
      expect(top.body.resources.map(field(l))).toEqual([...sorted].reverse().slice(0, 2));
    });

    it('sort=createdAt follows creation order', async () => {
      const res = await admin.get(`${l.path}?limit=-1&sort=createdAt`);
      expect(mine(l, res.body.resources)).toEqual(names);
    });

    it('400 naming sort for a field the list cannot sort by', async () => {
      expectError(await admin.get(`${l.path}?sort=secret_access_key`), 400, 'sort');
      expectError(await admin.get(`${l.path}?sort=-bogus`), 400, 'sort');
      expectError(await admin.get(`${l.path}?sort=na%20me`), 400, 'sort');
    });

    it('400 naming limit or skip when out of range', async () => {
      expectError(await admin.get(`${l.path}?limit=1001`), 400, 'limit');
      expectError(await admin.get(`${l.path}?limit=-2`), 400, 'limit');
      expectError(await admin.get(`${l.path}?limit=ten`), 400, 'limit');
      expectError(await admin.get(`${l.path}?skip=-1`), 400, 'skip');
      expectStatus(await admin.get(`${l.path}?limit=1000`), 200);
    });

    it('400 naming an unknown query parameter', async () => {
      expectError(await admin.get(`${l.path}?colour=red`), 400, 'colour');
    });
  });

  it('users sort by name too', async () => {
    const res = await admin.get('/usermgmt/users?limit=-1&sort=-name');
    expectStatus(res, 200);
    const named = res.body.resources
      .map((u: { name: string | null }) => u.name)
      .filter((n: string | null) => n !== null && n !== 'Bootstrap administrator');
    expect(named).toEqual([...sorted].reverse());
  });

  it('filters narrow the total', async () => {
    expect((await admin.get(`${CONNECTIONS}?name=p03`)).body).toMatchObject({
      total: 1,
      resources: [expect.objectContaining({ name: 'p03' })],
    });
    expect((await admin.get('/cckm/aws/kms?name=p03')).body.total).toBe(1);
    expect((await admin.get('/usermgmt/users?username=p03')).body.total).toBe(1);
    expect((await admin.get(`${CONNECTIONS}?provider=aws`)).body).toMatchObject({ total: 0, resources: [] });
  });
});
