/**
 * Robustness finding 5: two service instances on one database must not both run the
 * in-process emulator over one `emulator_objects` table. The first takes the writer lock;
 * the second serves its emulator connections through the writer's wire endpoint
 * (EMULATOR_PEER_URL) with the same tenant → account mapping, or refuses to start.
 */
import '../../../src/emulator/cloudhsm/reflect-metadata-shim.js';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../../src/db/database.js';
import { createEmulatorWireHandler } from '../../../src/emulator/wire/handler.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createTestDatabase, testDatabaseKinds } from '../../support/test-db.js';
import { as, type Body } from '../sync/helpers.js';

const KEYS = '/api/v1/cckm/aws/keys';
/** Instances on one database share the master key and the emulator's root key. */
const ENV = {
  CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
  EMULATOR_ROOT_KEY: randomBytes(32).toString('base64'),
  CCKM_JOB_WORKERS: '0',
  CCKM_OUTBOUND_ALLOW: '127.0.0.1',
};

// The writer lock is a PostgreSQL advisory lock; an embedded database is one process, so has one writer by construction.
const onPostgres = testDatabaseKinds().includes('postgres') ? describe : describe.skip;

onPostgres('one emulator writer per database', () => {
  let db: Database;
  let one: TestApp;
  let two: TestApp | undefined;
  let wire: Server;
  let wireUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('single-emulator-writer', { kind: 'postgres' });
    one = await startTestApp('single-emulator-writer', { database: db, env: ENV });
    // The writer's wire endpoint, as main.ts serves it: its own keys none, peers' keys computed.
    wire = createServer(
      createEmulatorWireHandler(one.composed.emulator!, {
        credentials: {},
        ...(one.composed.emulatorPeerCredentials ? { lookupCredential: one.composed.emulatorPeerCredentials } : {}),
        defaultAccountId: one.config.emulatorAccountId,
        defaultRegion: 'us-east-1',
      }),
    );
    await new Promise<void>((resolve) => wire.listen(0, '127.0.0.1', resolve));
    wireUrl = `http://127.0.0.1:${(wire.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await new Promise((r) => wire?.close(r));
    await db?.close();
  });

  it('the first instance holds the emulator; a second one without EMULATOR_PEER_URL refuses to start, saying why', async () => {
    expect(one.composed.emulatorRole).toBe('writer');
    await expect(startTestApp('single-emulator-writer-refused', { database: db, env: ENV })).rejects.toThrow(
      /EMULATOR_PEER_URL/,
    );
  });

  it('with EMULATOR_PEER_URL the second instance runs no emulator, and keys created through either instance are all there', async () => {
    two = await startTestApp('single-emulator-writer-2', { database: db, env: { ...ENV, EMULATOR_PEER_URL: wireUrl } });
    expect(two.composed.emulatorRole).toBe('peer');
    expect(two.composed.emulator).toBeUndefined();

    // The bootstrap connection `emulator` (root tenant) through both instances.
    const created: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = i % 2 ? two : one;
      const res = await as(t, t.adminToken).post(KEYS, {
        kms: 'kms',
        region: 'us-east-1',
        aws_param: { Description: `key ${i}` },
      });
      expect({ i, status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({
        i,
        status: 201,
        body: undefined,
      });
      created.push((res.body as Body).aws_param.KeyId as string);
    }
    const emulatorKeys = await one.composed.emulator!.call(
      { accountId: one.config.emulatorAccountId, region: 'us-east-1' },
      'ListKeys',
      { Limit: 1000 },
    );
    expect(emulatorKeys.Keys!.map((k) => k.KeyId).sort()).toEqual(expect.arrayContaining(created));
    // Each instance sees the keys the other created, described by the one emulator.
    for (const t of [one, two]) {
      const listed = await as(t, t.adminToken).get(`${KEYS}?limit=-1&kms=kms`);
      expect(listed.status).toBe(200);
      expect((listed.body.resources as Body[]).map((r) => r.aws_param.KeyId).sort()).toEqual([...created].sort());
    }

    // Another tenant reaches its own emulator account through the peer too, as in-process.
    const password = `pw-${randomBytes(6).toString('hex')}`;
    expect(
      (
        await as(one, one.adminToken).post('/api/v1/usermgmt/users', {
          username: 'acme-admin',
          password,
          groups: ['admin'],
          account: 'acme',
        })
      ).status,
    ).toBe(201);
    const acmeOne = as(one, await one.login('acme-admin', password, 'acme'));
    const acmeTwo = as(two, await two.login('acme-admin', password, 'acme'));
    const reachedOne = await acmeOne.post('/api/v1/connectionmgmt/services/aws/connection-test', {
      provider: 'emulator',
    });
    const reachedTwo = await acmeTwo.post('/api/v1/connectionmgmt/services/aws/connection-test', {
      provider: 'emulator',
    });
    expect(reachedTwo.body).toMatchObject({ connection_ok: true, account_id: reachedOne.body.account_id });
    expect(reachedOne.body.account_id).not.toBe(one.config.emulatorAccountId);
    expect(
      (
        await acmeTwo.post('/api/v1/connectionmgmt/services/aws/connections', {
          name: 'acme-emu',
          provider: 'emulator',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await acmeTwo.post('/api/v1/cckm/aws/kms', {
          name: 'acme-kms',
          account_id: reachedOne.body.account_id,
          connection: 'acme-emu',
          regions: ['eu-west-1'],
        })
      ).status,
    ).toBe(201);
    const acmeKey = await acmeTwo.post(KEYS, {
      kms: 'acme-kms',
      region: 'eu-west-1',
      aws_param: { Description: 'acme key' },
    });
    expect(acmeKey.status).toBe(201);
    const described = await one.composed.emulator!.call(
      { accountId: reachedOne.body.account_id, region: 'eu-west-1' },
      'DescribeKey',
      { KeyId: acmeKey.body.aws_param.KeyId },
    );
    expect(described.KeyMetadata!.Description).toBe('acme key');

    // One writer: every key is stored once, by the writer.
    const row = await db.db
      .selectFrom('emulatorObjects')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('kind', '=', 'key')
      .executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(created.length + 1);
  }, 60_000);

  it('the lock is released when the writer closes, so a restarted instance can take it', async () => {
    await two?.close();
    two = undefined;
    await one.close();
    one = await startTestApp('single-emulator-writer-3', { database: db, env: ENV });
    expect(one.composed.emulatorRole).toBe('writer');
    // Its emulator loaded the keys stored before.
    const keys = await one.composed.emulator!.call(
      { accountId: one.config.emulatorAccountId, region: 'us-east-1' },
      'ListKeys',
      { Limit: 1000 },
    );
    expect(keys.Keys!.length).toBeGreaterThanOrEqual(6);
  }, 60_000);
});
