import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request, { type Response } from 'supertest';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { as, CONNECTIONS, expectError } from '../api/helpers.js';
import { wireXks } from '../custom-key-stores/helpers.js';
import {
  type Body,
  type Client,
  OPENAPI,
  PUBLIC_ENDPOINT,
  REGION,
  ROOT_EMULATOR_ACCOUNT,
  ROUTES,
  type Tenant,
  created,
  seed,
  waitForJob,
} from './tenancy-routes.js';
import type { Probe } from './tenancy-probes.js';

/**
 * Security finding 2: cross-tenant control through the shared emulator. A second
 * account's admin created an emulator connection without credentials, registered the
 * emulator account 123456789012 (the root account's), synchronized it and then listed and
 * disabled the root account's keys. Each account's emulator connections now reach an
 * emulator account of its own; and no route of the API reaches another account's records.
 */

function send(c: Client, probe: Probe): Promise<Response> {
  if (probe.method === 'get' || probe.method === 'delete') return c[probe.method](probe.path);
  return c[probe.method](probe.path, probe.body ?? {});
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => METHODS.includes(m))
    .map((m) => `${m.toUpperCase()} ${path}`),
);

/** A record's fields that only the owner's activity may change (timestamps of reads left out). */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !/(_at|At|_time)$/.test(k))
        .map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

/** What the owner sees of its records, and what the emulator holds of its key. */
async function snapshot(t: TestApp, x: Tenant): Promise<unknown> {
  const paths = [
    `${CONNECTIONS}/${x.conn.id}`,
    `/cckm/aws/kms/${x.kms.id}`,
    `/cckm/aws/templates/${x.tpl.id}`,
    `/cckm/aws/keys/${x.key.id}`,
    `/cckm/aws/synchronization-jobs/${x.syncJob.id}`,
    `/cckm/aws/bulkjob/${x.bulkJob.id}`,
    `/usermgmt/users/${x.user.id}`,
    `/usermgmt/users/${x.ownUserId}`,
    `/usermgmt/groups/${x.group}`,
  ];
  const records = await Promise.all(paths.map(async (p) => stable(created(await x.client.get(p), 200))));
  const store = created(await x.client.get(`/cckm/aws/custom-key-stores/${x.store.id}`), 200);
  const at = { accountId: x.emulatorAccount, region: REGION };
  const keyId = x.key.aws_param.KeyId as string;
  const emulator = t.composed.emulator!;
  const inAws = {
    key: (await emulator.call(at, 'DescribeKey', { KeyId: keyId })).KeyMetadata,
    tags: (await emulator.call(at, 'ListResourceTags', { KeyId: keyId })).Tags,
    aliases: (await emulator.call(at, 'ListAliases', { KeyId: keyId })).Aliases?.map((a) => a.AliasName),
    rotation: await emulator.call(at, 'GetKeyRotationStatus', { KeyId: keyId }),
    policy: (await emulator.call(at, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy,
  };
  return {
    records,
    store: {
      name: store.name,
      linked: store.linked_state,
      hosted: store.local_hosted_params,
      state: store.aws_param.connection_state,
    },
    inAws,
  };
}

describe('tenancy: two accounts on one server and one emulator', () => {
  let t: TestApp;
  let kylo: Tenant;
  let acme: Tenant;
  let proxyServer: Server;

  beforeAll(async () => {
    t = await startTestApp('security_tenancy', {
      env: { CCKM_XKS_PROXY_PUBLIC_ENDPOINT: PUBLIC_ENDPOINT, CCKM_JOB_POLL_MS: '100' },
    });
    // The whole service listens: linking a hosted store has the emulator reach opencckm's own proxy.
    proxyServer = await new Promise<Server>((resolve) => {
      const s = t.http.listen(0, '127.0.0.1', () => resolve(s));
    });
    wireXks(t, `${PUBLIC_ENDPOINT}=http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`);
    const kyloClient = as(t, t.adminToken);
    const acmeClient = as(t, await t.userToken('acme-admin', ['admin'], 'acme'));
    kylo = await seed(t, 'kylo', kyloClient);
    acme = await seed(t, 'acme', acmeClient);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => proxyServer?.close(r));
  });

  describe('finding 2: another account cannot take over the root account’s emulator keys', () => {
    it('each account’s emulator connection reaches an emulator account of its own; the root account keeps EMULATOR_ACCOUNT_ID', async () => {
      expect(kylo.emulatorAccount).toBe(ROOT_EMULATOR_ACCOUNT);
      expect(acme.emulatorAccount).toMatch(/^\d{12}$/);
      expect(acme.emulatorAccount).not.toBe(ROOT_EMULATOR_ACCOUNT);
      const res = created(await acme.client.post(`${CONNECTIONS}/${acme.conn.id}/test`), 200);
      expect(res).toEqual({
        connection_ok: true,
        account_id: acme.emulatorAccount,
        arn: `arn:aws:iam::${acme.emulatorAccount}:root`,
      });
      // The bootstrap connection of the root account is unchanged.
      expect(created(await kylo.client.post(`${CONNECTIONS}/emulator/test`), 200)).toMatchObject({
        account_id: ROOT_EMULATOR_ACCOUNT,
      });
    });

    it('registering the root account’s emulator account through an emulator connection without credentials is refused, and stores nothing', async () => {
      const conn = created(await acme.client.post(CONNECTIONS, { name: 'finding-2', provider: 'emulator' }));
      const res = await acme.client.post('/cckm/aws/kms', {
        name: 'kylo-takeover',
        account_id: ROOT_EMULATOR_ACCOUNT,
        connection: conn.id,
        regions: [REGION],
      });
      expectError(res, 400, 'account_id');
      expect(res.body.message).toContain(acme.emulatorAccount);
      expect(created(await acme.client.get('/cckm/aws/kms?name=kylo-takeover'), 200).total).toBe(0);
    });

    it('nor through a role in the root account’s emulator account, or credentials the emulator does not know', async () => {
      const role = `arn:aws:iam::${ROOT_EMULATOR_ACCOUNT}:role/cckm`;
      const withRole = await acme.client.post('/cckm/aws/kms', {
        name: 'via-role',
        account_id: ROOT_EMULATOR_ACCOUNT,
        connection: acme.conn.id,
        regions: [REGION],
        assume_role_arn: role,
      });
      expect(withRole.status).toBeGreaterThanOrEqual(400);
      expect(withRole.status).toBeLessThan(500);
      expect(withRole.body.message).toContain('AccessDenied');
      const roleConn = created(
        await acme.client.post(CONNECTIONS, { name: 'role-conn', provider: 'emulator', assume_role_arn: role }),
      );
      const tested = created(await acme.client.post(`${CONNECTIONS}/${roleConn.id}/test`), 200);
      expect(tested).toMatchObject({ connection_ok: false, connection_error: expect.stringContaining('AccessDenied') });
      // A role of acme's own emulator account is fine.
      const ownRole = created(
        await acme.client.post('/connectionmgmt/services/aws/connection-test', {
          provider: 'emulator',
          assume_role_arn: `arn:aws:iam::${acme.emulatorAccount}:role/cckm`,
        }),
        200,
      );
      expect(ownRole).toMatchObject({ connection_ok: true, account_id: acme.emulatorAccount });

      const keyed = created(
        await acme.client.post(CONNECTIONS, {
          name: 'keyed',
          provider: 'emulator',
          access_key_id: 'AKIAIOSFODNN7EXAMPLE',
          secret_access_key: 'guessed-secret',
        }),
      );
      const refused = await acme.client.post('/cckm/aws/kms', {
        name: 'via-key',
        account_id: ROOT_EMULATOR_ACCOUNT,
        connection: keyed.id,
        regions: [REGION],
      });
      expectError(refused, 502);
      expect(refused.body.message).toContain('UnrecognizedClientException');
      expect(created(await acme.client.post(`${CONNECTIONS}/${keyed.id}/test`), 200)).toMatchObject({
        connection_ok: false,
        connection_error: expect.stringContaining('UnrecognizedClientException'),
      });
      expect(created(await acme.client.get('/cckm/aws/kms?limit=-1'), 200).resources.map((k: Body) => k.name)).toEqual([
        'acme-kms',
      ]);
    });

    it('a synchronization of acme’s account finds acme’s keys only; lists never cross', async () => {
      const job = created(await acme.client.post('/cckm/aws/synchronization-jobs', { synchronize_all: true }));
      expect((await waitForJob(acme.client, `/cckm/aws/synchronization-jobs/${job.id}`)).overall_status).toBe(
        'completed',
      );
      const acmeKeys = created(await acme.client.get('/cckm/aws/keys?limit=-1'), 200).resources as Body[];
      expect(acmeKeys.map((k) => k.id)).toEqual([acme.key.id]);
      expect(acmeKeys.every((k) => k.aws_param.Arn.includes(`:${acme.emulatorAccount}:key/`))).toBe(true);
      const kyloKeys = created(await kylo.client.get('/cckm/aws/keys?limit=-1'), 200).resources as Body[];
      expect(kyloKeys.map((k) => k.id)).toContain(kylo.key.id);
      expect(kyloKeys.map((k) => k.id)).not.toContain(acme.key.id);
      // In the emulator itself, each account holds only its own key.
      const emulator = t.composed.emulator!;
      const list = async (accountId: string) =>
        ((await emulator.call({ accountId, region: REGION }, 'ListKeys', {})).Keys ?? []).map((k) => k.KeyId);
      expect(await list(acme.emulatorAccount)).toEqual([acme.key.aws_param.KeyId]);
      expect(await list(ROOT_EMULATOR_ACCOUNT)).toContain(kylo.key.aws_param.KeyId);
      expect(await list(ROOT_EMULATOR_ACCOUNT)).not.toContain(acme.key.aws_param.KeyId);
    });

    it('acme cannot disable (or otherwise act on) kylo’s key by its id: 404, and the key stays enabled', async () => {
      expectError(await acme.client.post(`/cckm/aws/keys/${kylo.key.id}/disable`, {}), 404);
      expectError(await acme.client.get(`/cckm/aws/keys/${kylo.key.id}`), 404);
      expect(created(await kylo.client.get(`/cckm/aws/keys/${kylo.key.id}`), 200).aws_param.KeyState).toBe('Enabled');
    });
  });

  it('the route table covers every operation of openapi/cckm.yaml', () => {
    expect(operations.length).toBeGreaterThan(70);
    const missing = operations.filter((op) => !(op in ROUTES));
    const stale = Object.keys(ROUTES).filter((op) => !operations.includes(op));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  for (const [me, them] of [
    ['acme', 'kylo'],
    ['kylo', 'acme'],
  ] as const) {
    it(`${me}'s admin reaches none of ${them}'s records on any route, and they are unchanged afterwards`, async () => {
      const attacker = me === 'acme' ? acme : kylo;
      const victim = them === 'acme' ? acme : kylo;
      const before = await snapshot(t, victim);
      for (const op of operations) {
        const expectation = ROUTES[op]!;
        if (typeof expectation !== 'function') continue;
        for (const probe of expectation(attacker, victim)) {
          const res = await send(attacker.client, probe);
          const context = `${op} → ${probe.method.toUpperCase()} ${probe.path}`;
          expect({ context, status: res.status, body: res.status === probe.status ? undefined : res.body }).toEqual({
            context,
            status: probe.status,
            body: undefined,
          });
          if (probe.status >= 400) {
            expectError(res, probe.status, probe.field);
            expect(res.body.message).not.toContain(`accounts:${them}`);
          }
          await probe.check?.(res);
        }
      }
      expect(await snapshot(t, victim)).toEqual(before);
    }, 120_000);
  }

  describe('the XKS proxy routes (SigV4 with a hosted store’s credential)', () => {
    const xks = async (storeId: string, path: string, credential: { accessKeyId: string; secretAccessKey: string }) => {
      const url = new URL(`${PUBLIC_ENDPOINT}/api/v1/cckm/aws/xks-proxy-endpoints/${storeId}/kms/xks/v1${path}`);
      const body = Buffer.from(
        JSON.stringify({
          requestMetadata: {
            awsPrincipalArn: 'arn:aws:iam::111122223333:root',
            kmsOperation: 'DescribeKey',
            kmsRequestId: 'r-1',
          },
        }),
      );
      const headers = signXksRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body,
        credential,
        region: REGION,
      });
      return request(t.http).post(url.pathname).set(headers).send(body.toString('utf8'));
    };
    const credentialOf = async (x: Tenant) =>
      (await t.composed.services.xksStores.resolveXksStore(x.store.id))!.credentials[0]!;

    it("one account's proxy credential opens neither another account's store (401) nor, through its own store, another account's source key (404)", async () => {
      const kyloSource = await t.composed.services.xksKeys.create(kylo.principal, { name: 'kylo-source' });
      const acmeSource = await t.composed.services.xksKeys.create(acme.principal, { name: 'acme-source' });
      const acmeCred = await credentialOf(acme);
      const kyloCred = await credentialOf(kylo);
      // The credentials work for their own store and key.
      expect((await xks(acme.store.id, `/keys/${acmeSource.id}/metadata`, acmeCred)).status).toBe(200);
      expect((await xks(kylo.store.id, '/health', kyloCred)).status).toBe(200);
      // Another account's store with this account's credential: refused before anything else.
      for (const path of [
        '/health',
        `/keys/${kyloSource.id}/metadata`,
        `/keys/${kyloSource.id}/encrypt`,
        `/keys/${kyloSource.id}/decrypt`,
      ]) {
        const res = await xks(kylo.store.id, path, acmeCred);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
      // This account's store, another account's source key: as if it did not exist.
      const res = await xks(acme.store.id, `/keys/${kyloSource.id}/metadata`, acmeCred);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('kylo');
    });
  });
});
