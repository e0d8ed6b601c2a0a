import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request, { type Response } from 'supertest';
import { readApiDocument } from '../../../src/http/openapi/api-document.js';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError, expectStatus } from '../api/helpers.js';

/**
 * Robustness findings 1 and 2: no input reaches a 5xx, and malformed input is refused.
 * Every string (and typed) field of every JSON request body in openapi/cckm.yaml gets
 * U+0000, unpaired surrogates, a wrong type, a 1 MB string and 10 000-deep nesting; every
 * query parameter of every GET gets U+0000 and malformed numbers and sort fields. Each
 * answer is a 4xx with the error body, and afterwards no record exists that did not before.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Schema = Record<string, Json>;
interface Operation {
  method: string;
  path: string;
  operationId: string;
  body?: Schema;
  query: string[];
}

const DOC = readApiDocument([new URL('../../../openapi/cckm.yaml', import.meta.url)]).document as Json;
const REGION = 'us-east-1';
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': '123456789012' } },
    },
  ],
};

/** Valid bodies (when sent as they are) for the operations whose success would create or change records. */
const BASE: Record<string, Json> = {
  createToken: { grant_type: 'password', username: 'nobody-here', password: 'wrong-password', domain: 'kylo' },
  revokeToken: { refresh_token: 'not-a-token' },
  createUser: {
    username: 'hostile-user',
    password: 'password-123',
    name: 'N',
    email: 'n@example.com',
    groups: ['cckm_users'],
  },
  updateUser: { name: 'N', email: 'n@example.com' },
  createGroup: { name: 'hostile-group', description: 'd' },
  createAwsConnection: {
    name: 'hostile-conn',
    provider: 'emulator',
    description: 'd',
    labels: { a: 'b' },
    meta: { a: 'b' },
    products: ['cckm'],
  },
  updateAwsConnection: { description: 'd', labels: { a: 'b' }, meta: { a: 'b' } },
  testAwsConnectionParameters: { provider: 'emulator', meta: { a: 'b' } },
  createKms: { name: 'hostile-kms', account_id: '123456789012', connection: 'emulator', regions: [REGION] },
  updateKms: { regions: [REGION] },
  createPolicyTemplate: { name: 'hostile-tpl', kms: 'kms', policy: POLICY },
  updatePolicyTemplate: { policy: POLICY },
  createAwsKey: {
    kms: 'kms',
    region: REGION,
    aws_param: { Description: 'd', Policy: POLICY, Tags: [{ TagKey: 'a', TagValue: 'b' }] },
  },
  updateAwsKeyPolicy: { policy: POLICY },
  addAwsKeyTags: { tags: [{ TagKey: 'a', TagValue: 'b' }] },
  removeAwsKeyTags: { tags: ['a'] },
  addAwsKeyAlias: { alias: 'alias/hostile' },
  deleteAwsKeyAlias: { alias: 'alias/hostile' },
  updateAwsKeyDescription: { description: 'd' },
  replicateAwsKey: { replica_region: 'us-west-2' },
  updateAwsKeyPrimaryRegion: { PrimaryRegion: 'us-west-2' },
  createSynchronizationJob: { kms: ['kms'], regions: [REGION] },
  createBulkJob: { keys: [], operation: 'enablekey' },
  createCustomKeyStore: {
    name: 'hostile-store',
    kms: 'kms',
    region: REGION,
    aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
    local_hosted_params: {},
  },
  updateCustomKeyStore: { name: 'hostile-renamed' },
};

const deref = (s: Schema | undefined): Schema | undefined => {
  let out = s;
  while (out?.$ref)
    out = out.$ref
      .split('/')
      .slice(1)
      .reduce((o: Json, k: string) => o[k], DOC);
  return out;
};

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(DOC.paths)) {
    if (path.includes('xks-proxy-endpoints')) continue; // SigV4 over the raw body, outside the JSON API (xks tests)
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!op?.operationId) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => deref(p)!);
      ops.push({
        method,
        path,
        operationId: op.operationId,
        body: deref(op.requestBody?.content?.['application/json']?.schema),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
      });
    }
  }
  return ops;
}

type Leaf = { path: (string | number)[]; type: string };
/** Every typed leaf of a schema: where it sits in a body and its JSON type. */
function leaves(schema: Schema | undefined, at: (string | number)[] = [], depth = 0): Leaf[] {
  const s = deref(schema);
  if (!s || depth > 8) return [];
  const out: Leaf[] = [];
  for (const sub of [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])])
    out.push(...leaves(sub, at, depth + 1));
  for (const [k, sub] of Object.entries<Schema>(s.properties ?? {})) out.push(...leaves(sub, [...at, k], depth + 1));
  if (s.items) out.push(...leaves(s.items, [...at, 0], depth + 1));
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.push(...leaves(s.additionalProperties, [...at, 'k'], depth + 1));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  if (type && type !== 'object' && type !== 'array' && at.length) out.push({ path: at, type });
  const seen = new Set<string>();
  return out.filter((l) => !seen.has(JSON.stringify(l)) && !!seen.add(JSON.stringify(l)));
}

function withValue(base: Json, path: (string | number)[], value: Json): Json {
  const body = structuredClone(base ?? {});
  let o = body;
  path.forEach((k, i) => {
    if (i === path.length - 1) o[k] = value;
    else {
      if (o[k] === null || typeof o[k] !== 'object') o[k] = typeof path[i + 1] === 'number' ? [] : {};
      o = o[k];
    }
  });
  return body;
}

const WRONG_TYPE: Record<string, Json> = { string: 12345, boolean: 'true', integer: '7', number: '1.5' };
const DEEP = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
const MEGABYTE = 'x'.repeat(1024 * 1024);

describe('hostile input', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let admin: ReturnType<typeof as>;
  const seeded: Record<string, string> = {};

  const send = (method: string, path: string, raw?: string, headers: Record<string, string> = {}) => {
    let r = request(base)[method as 'post'](`/api/v1${path}`).set('Authorization', bearer(t.adminToken));
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    return raw === undefined ? r : r.set('Content-Type', 'application/json').send(raw);
  };
  /** A raw byte body through fetch (supertest would serialise a Buffer as JSON). */
  const sendBytes = (path: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      body: bytes,
      headers: { authorization: bearer(t.adminToken), 'content-type': 'application/json', ...headers },
    });

  const pathOf = (op: Operation) =>
    op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (name === 'userId') return seeded.user!;
      if (op.path.startsWith('/usermgmt/users')) return seeded.user!;
      if (op.path.startsWith('/usermgmt/groups')) return seeded.group!;
      if (op.path.startsWith('/connectionmgmt')) return 'emulator';
      if (op.path.startsWith('/cckm/aws/kms')) return 'kms';
      if (op.path.startsWith('/cckm/aws/templates')) return seeded.template!;
      if (op.path.startsWith('/cckm/aws/keys')) return seeded.key!;
      if (op.path.startsWith('/cckm/aws/custom-key-stores')) return seeded.store!;
      return '00000000-0000-4000-8000-000000000000';
    });

  const LISTS = [
    '/cckm/aws/keys',
    CONNECTIONS,
    '/cckm/aws/kms',
    '/cckm/aws/templates',
    '/usermgmt/users',
    '/usermgmt/groups',
    '/cckm/aws/custom-key-stores',
    '/cckm/aws/synchronization-jobs',
    '/cckm/aws/bulkjob',
  ];
  /** What must not change: how many records each list holds, and the seeded records as read. */
  const snapshot = async () => {
    const totals = await Promise.all(LISTS.map(async (l) => [l, (await admin.get(`${l}?limit=1`)).body.total]));
    const records = await Promise.all([
      admin.get(`/cckm/aws/keys/${seeded.key}`),
      admin.get(`${CONNECTIONS}/emulator`),
      admin.get('/cckm/aws/kms/kms'),
      admin.get(`/cckm/aws/templates/${seeded.template}`),
      admin.get(`/usermgmt/users/${seeded.user}`),
      admin.get(`/cckm/aws/custom-key-stores/${seeded.store}`),
    ]);
    return { totals, records: records.map((r) => r.body) };
  };
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    t = await startTestApp('robust_hostile');
    server = t.http.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    admin = as(t, t.adminToken);
    const ok = (res: Response, status = 201) => (expectStatus(res, status), res.body);
    seeded.key = ok(
      await admin.post('/cckm/aws/keys', {
        kms: 'kms',
        region: REGION,
        aws_param: { Description: 'seeded', Tags: [{ TagKey: 'a', TagValue: 'b' }] },
      }),
    ).id;
    seeded.template = ok(
      await admin.post('/cckm/aws/templates', { name: 'seeded-tpl', kms: 'kms', key_users: ['someone'] }),
    ).id;
    seeded.user = ok(await admin.post('/usermgmt/users', { username: 'seeded-user', password: 'password-123' })).id;
    seeded.group = ok(await admin.post('/usermgmt/groups', { name: 'seeded-group' })).name;
    seeded.store = ok(await admin.post('/cckm/aws/custom-key-stores', BASE.createCustomKeyStore)).id;
    before = await snapshot();
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.close();
  });

  /** Sends in batches, then checks each answer is a 4xx with the error body. */
  async function expectAll4xx(cases: { what: string; go: () => PromiseLike<Response> }[]) {
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 16) {
      const batch = cases.slice(i, i + 16);
      const answers = await Promise.all(batch.map((c) => c.go()));
      answers.forEach((res, j) => {
        try {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expectError(res, res.status);
        } catch {
          failures.push(`${batch[j]!.what} → ${res.status} ${res.text.slice(0, 200)}`);
        }
      });
    }
    expect(failures).toEqual([]);
  }

  it('every typed field of every request body: NUL, unpaired surrogates, a wrong type, 1 MB, deep nesting → 4xx', async () => {
    const cases: { what: string; go: () => PromiseLike<Response> }[] = [];
    for (const op of operations().filter((o) => o.body)) {
      const path = pathOf(op);
      const method = op.method;
      const baseBody = BASE[op.operationId] ?? {};
      const fields = leaves(op.body);
      const add = (what: string, raw: string) =>
        cases.push({ what: `${op.operationId} ${what}`, go: () => send(method, path, raw) });
      for (const leaf of fields) {
        const at = leaf.path.join('.');
        if (leaf.type === 'string') {
          for (const [name, v] of [
            ['NUL', 'a\u0000b'],
            ['high surrogate', 'a\ud800'],
            ['low surrogate', '\udfffz'],
          ]) {
            add(`${at} ${name}`, JSON.stringify(withValue(baseBody, leaf.path, v)));
          }
        }
        if (WRONG_TYPE[leaf.type] !== undefined)
          add(`${at} wrong type`, JSON.stringify(withValue(baseBody, leaf.path, WRONG_TYPE[leaf.type])));
        add(`${at} deep`, JSON.stringify(withValue(baseBody, leaf.path, '@DEEP@')).replace('"@DEEP@"', DEEP));
      }
      const first = fields.find((l) => l.type === 'string');
      if (first) add(`${first.path.join('.')} 1 MB`, JSON.stringify(withValue(baseBody, first.path, MEGABYTE)));
      add('body of its own deep', DEEP);
    }
    expect(cases.length).toBeGreaterThan(500);
    await expectAll4xx(cases);
    // Thousands of requests, more with every new request schema: a loaded machine needs minutes.
  }, 300_000);

  it('every query parameter of every GET: NUL and malformed paging and sorting → 400 naming it', async () => {
    const failures: string[] = [];
    const ops = operations().filter((o) => o.method === 'get' && o.query.length);
    for (const op of ops) {
      const path = pathOf(op);
      const probes: [string, string][] = op.query.map((q) => [q, 'a%00b']);
      if (op.query.includes('skip'))
        probes.push(['skip', '1e400'], ['skip', '0x10'], ['skip', '1.5'], ['skip', '-1'], ['skip', '99999999999']);
      if (op.query.includes('limit'))
        probes.push(['limit', '0x10'], ['limit', '1e3'], ['limit', '1001'], ['limit', '%2B5']);
      if (op.query.includes('sort'))
        for (const s of ['__proto__', '-__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])
          probes.push(['sort', s]);
      const answers = await Promise.all(probes.map(([q, v]) => send('get', `${path}?${q}=${v}`)));
      answers.forEach((res, i) => {
        const [q, v] = probes[i]!;
        try {
          expectError(res, 400, q);
        } catch {
          failures.push(`${op.operationId} ?${q}=${v} → ${res.status} ${res.text.slice(0, 200)}`);
        }
      });
    }
    expect(failures).toEqual([]);
  });

  it('a NUL in a path segment is a 400, not a database error', async () => {
    expectError(await send('get', `${CONNECTIONS}/a%00b`), 400);
    expectError(await send('get', '/cckm/aws/templates/a%00b'), 400);
  });

  it('finding 1: the original reports answer 400 naming the field, and leave no record `creating`', async () => {
    expectError(
      await admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION, aws_param: { Description: 'a\u0000b' } }),
      400,
      'aws_param.Description',
    );
    expectError(
      await admin.post(`/cckm/aws/keys/${seeded.key}/update-description`, { description: 'a\ud800' }),
      400,
      'description',
    );
    const sid = structuredClone(POLICY);
    sid.Statement[0]!.Sid = 'a\u0000';
    expectError(
      await admin.post('/cckm/aws/templates', { name: 'nul-sid', kms: 'kms', policy: sid }),
      400,
      'policy.Statement[0].Sid',
    );
    const cond = structuredClone(POLICY);
    cond.Statement[0]!.Condition.StringEquals['kms:CallerAccount'] = '\udfff';
    expectError(
      await admin.post(`/cckm/aws/keys/${seeded.key}/policy`, { policy: cond }),
      400,
      'policy.Statement[0].Condition.StringEquals.kms:CallerAccount',
    );
    expectError(
      await admin.post(CONNECTIONS, { name: 'c1', provider: 'emulator', labels: { a: 'b\u0000' } }),
      400,
      'labels.a',
    );
    expectError(await admin.get('/usermgmt/users?username=a%00'), 400, 'username');
    expectError(await admin.get('/audit/records?actor=a%00'), 400, 'actor');
    expectError(await admin.get('/cckm/aws/keys?keyid=%00'), 400, 'keyid');
    const deepMeta = `{"name":"deep","provider":"emulator","meta":${DEEP}}`;
    expectError(await send('post', CONNECTIONS, deepMeta), 400, 'body');
    const deepCondition = JSON.stringify({
      name: 'deep-tpl',
      kms: 'kms',
      policy: withValue(POLICY, ['Statement', 0, 'Condition'], '@DEEP@'),
    }).replace('"@DEEP@"', DEEP);
    expectError(await send('post', '/cckm/aws/templates', deepCondition), 400, 'body');
    const keys = (await admin.get('/cckm/aws/keys?limit=-1')).body.resources as { status: string }[];
    expect(keys.filter((k) => k.status === 'creating')).toEqual([]);
  });

  it('finding 1: a body not encoded as its Content-Encoding says is a 400; an unknown encoding too', async () => {
    for (const enc of ['br', 'gzip', 'deflate']) {
      const res = await sendBytes(CONNECTIONS, Buffer.from('{"name":"enc","provider":"emulator"}'), {
        'content-encoding': enc,
      });
      expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([
        400,
        expect.stringContaining('body'),
      ]);
    }
    const unknown = await sendBytes(CONNECTIONS, Buffer.from('{"name":"enc","provider":"emulator"}'), {
      'content-encoding': 'compress',
    });
    expect([unknown.status, ((await unknown.json()) as { message: string }).message]).toEqual([
      400,
      expect.stringContaining('Content-Encoding'),
    ]);
    // A body really gzipped is read.
    const gz = await sendBytes(CONNECTIONS, gzipSync('{"name":"gzipped","provider":"emulator"}'), {
      'content-encoding': 'gzip',
    });
    expect(gz.status).toBe(201);
    expectStatus(await admin.delete(`${CONNECTIONS}/gzipped`), 204);
  });

  it('finding 2: coercion, duplicate keys, invalid UTF-8 and traversal-like names are refused', async () => {
    const key = (aws_param: object) => ({ kms: 'kms', region: REGION, aws_param });
    expectError(await admin.post('/cckm/aws/keys', key({ MultiRegion: 'true' })), 400, 'aws_param.MultiRegion');
    expectError(await admin.post('/cckm/aws/keys', key({ MultiRegion: 1 })), 400, 'aws_param.MultiRegion');
    expectError(await admin.post('/cckm/aws/keys', key({ Description: 12345 })), 400, 'aws_param.Description');
    expectError(
      await admin.post('/cckm/aws/keys', key({ Tags: [{ TagKey: 'a', TagValue: 5 }] })),
      400,
      'aws_param.Tags[0].TagValue',
    );
    expectError(await admin.patch(`/cckm/aws/templates/${seeded.template}`, { auto_push: 'true' }), 400, 'auto_push');
    expectError(
      await admin.post('/cckm/aws/templates', { name: 'coerced', kms: 'kms', external_accounts: [123456789012] }),
      400,
      'external_accounts[0]',
    );
    expectError(
      await send('post', '/cckm/aws/templates', '{"name":"dup","kms":"does-not-exist","kms":"kms","key_users":["u"]}'),
      400,
      'body',
    );
    expectError(
      await send('post', '/cckm/aws/templates', '{"name":"dup","kms":"kms","key_users":["u"],"\\u006bms":"kms"}'),
      400,
      'body',
    );
    const bad = await sendBytes(
      CONNECTIONS,
      Buffer.concat([
        Buffer.from('{"name":"utf8","provider":"emulator","description":"'),
        Buffer.of(0xff, 0xfe),
        Buffer.from('"}'),
      ]),
    );
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([
      400,
      expect.stringContaining('UTF-8'),
    ]);
    for (const name of ['..', '.', '-', '_x', '.hidden']) {
      expectError(await admin.post(CONNECTIONS, { name, provider: 'emulator' }), 400, 'name');
      expectError(
        await admin.post('/cckm/aws/kms', {
          name,
          account_id: '123456789012',
          connection: 'emulator',
          regions: [REGION],
        }),
        400,
        'name',
      );
      expectError(await admin.post('/cckm/aws/templates', { name, kms: 'kms', key_users: ['u'] }), 400, 'name');
      expectError(await admin.post('/cckm/aws/custom-key-stores', { ...BASE.createCustomKeyStore, name }), 400, 'name');
      expectError(await admin.post('/usermgmt/users', { username: name, password: 'password-123' }), 400, 'username');
    }
  });

  it('afterwards, nothing new exists and the seeded records are unchanged', async () => {
    expect(await snapshot()).toEqual(before);
  });

  it('a description AWS holds with U+0000 or unpaired surrogates is kept storable on refresh (U+FFFD)', async () => {
    const key = (await admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION })).body;
    await t.composed.emulator!.call({ accountId: '123456789012', region: REGION }, 'UpdateKeyDescription', {
      KeyId: key.aws_param.KeyId,
      Description: 'a\u0000b\ud800',
    });
    const res = await admin.post(`/cckm/aws/keys/${key.id}/refresh`);
    expectStatus(res, 200);
    expect(res.body.aws_param.Description).toBe('a\ufffdb\ufffd');
  });

  it('a key policy AWS holds with U+0000 or unpaired surrogates (as JSON escapes) is kept storable on refresh (U+FFFD)', async () => {
    const key = (await admin.post('/cckm/aws/keys', { kms: 'kms', region: REGION })).body;
    const at = { accountId: '123456789012', region: REGION };
    const KeyId = key.aws_param.KeyId as string;
    const policy = (await t.composed.emulator!.call(at, 'GetKeyPolicy', { KeyId, PolicyName: 'default' })) as {
      Policy: string;
    };
    const doc = JSON.parse(policy.Policy) as { Statement: Record<string, unknown>[] };
    doc.Statement[0]!.Sid = 'root\u0000access';
    // JSON text escapes: the policy itself is printable ASCII, its parsed Sid holds U+0000 and a lone surrogate.
    const text = JSON.stringify(doc).replace('root\\u0000access', 'root\\u0000access\\ud800');
    await t.composed.emulator!.call(at, 'PutKeyPolicy', { KeyId, PolicyName: 'default', Policy: text });
    const res = await admin.post(`/cckm/aws/keys/${key.id}/refresh`);
    expectStatus(res, 200);
    expect(res.body.aws_param.Policy.Statement[0].Sid).toBe('root\ufffdaccess\ufffd');
    // AWS refuses such characters in tag keys and values (letters, digits, spaces, _.:/=+-@ only), so tags cannot carry them.
  });
});
