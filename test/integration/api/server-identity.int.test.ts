import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsKmsProvider } from '../../../src/providers/aws/aws-kms-provider.js';
import type { ProviderTarget } from '../../../src/providers/registry.js';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { ACCESS_KEY, SECRET, WIRE_ACCOUNT, WireEndpoint } from '../faults/wire-endpoint.js';
import { as, CONNECTIONS, expectError, expectStatus } from './helpers.js';

/**
 * Security finding 1: a tenant must never act as the server's own AWS identity (ambient
 * credentials), nor choose the ExternalId of an AssumeRole (the confused deputy).
 * The server's environment here holds valid credentials for a wire endpoint: they must not be used.
 */
const CONNECTION_TEST = '/connectionmgmt/services/aws/connection-test';
const EXTERNAL_ID = '/connectionmgmt/services/aws/external-id';
const ROLE = `arn:aws:iam::${WIRE_ACCOUNT}:role/cckm`;

/** A fake STS that records each request body and answers 500 with a secret in an HTML body. */
async function recordingEndpoint(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>upstream-secret-xyzzy</body></html>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

describe('no ambient AWS identity; server-generated ExternalId', () => {
  let t: TestApp;
  let wire: WireEndpoint;
  let recorder: Awaited<ReturnType<typeof recordingEndpoint>>;
  let admin: ReturnType<typeof as>;
  let mallory: ReturnType<typeof as>;
  const saved = { ...process.env };

  beforeAll(async () => {
    wire = await WireEndpoint.start();
    recorder = await recordingEndpoint();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_REGION: 'us-east-1',
    });
    t = await startTestApp('api_server_identity', {
      env: {
        CCKM_PROVIDER_MAX_ATTEMPTS: '1',
        CCKM_PROVIDER_TIMEOUT_MS: '3000',
        CCKM_OUTBOUND_ALLOW: `127.0.0.1:${wire.port},127.0.0.1:${recorder.url.split(':')[2]}`,
      },
    });
    admin = as(t, t.adminToken);
    mallory = as(t, await t.userToken('mallory', ['cckm_admins'], 'tenant-b'));
  });
  afterAll(async () => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await t?.close();
    await wire?.close();
    await new Promise((r) => recorder?.server.close(r));
  });

  it('an aws connection without keys is refused (400 naming access_key_id) at create, update and connection-test', async () => {
    expectError(await mallory.post(CONNECTION_TEST, {}), 400, 'access_key_id');
    expectError(await mallory.post(CONNECTION_TEST, { endpoint_url: wire.url }), 400, 'access_key_id');
    expectError(
      await mallory.post(CONNECTIONS, { name: 'ambient', provider: 'aws', endpoint_url: wire.url }),
      400,
      'access_key_id',
    );
    expectError(
      await mallory.post(CONNECTIONS, { name: 'ambient', provider: 'aws', assume_role_arn: ROLE }),
      400,
      'access_key_id',
    );
    const withKeys = await mallory.post(CONNECTIONS, {
      name: 'keyed',
      provider: 'aws',
      endpoint_url: wire.url,
      access_key_id: ACCESS_KEY,
      secret_access_key: SECRET,
    });
    expectStatus(withKeys, 201);
    expectError(
      await mallory.patch(`${CONNECTIONS}/keyed`, { provider: 'emulator', endpoint_url: wire.url }),
      400,
      'endpoint_url',
    );
  });

  it("the provider never falls back to the SDK's default chain, though the environment's keys are valid", async () => {
    const target: ProviderTarget = {
      connectionId: 'ambient-probe',
      connectionVersion: '1',
      tenant: 'tenant-b',
      provider: 'aws',
      cloudName: 'aws',
      region: 'us-east-1',
      endpointUrl: wire.url,
      stsRegionalEndpoints: 'legacy',
    };
    const strict = new AwsKmsProvider(target, { timeoutMs: 3000, maxAttempts: 1 });
    await expect(strict.getCallerIdentity()).rejects.toMatchObject({
      code: 'ValidationError',
      message: expect.stringContaining('access_key_id'),
    });
    await expect(strict.kms('ListKeys', {})).rejects.toMatchObject({ code: 'ValidationError' });
    await strict.close();
    // The same target with the operator's opt-in does reach the account: the refusal above is the guard, not a broken setup.
    const ambient = new AwsKmsProvider(target, { timeoutMs: 3000, maxAttempts: 1, ambientCredentials: true });
    await expect(ambient.getCallerIdentity()).resolves.toMatchObject({ account: WIRE_ACCOUNT });
    await ambient.close();
  });

  it('each account has its own generated ExternalId, shown to its admins only', async () => {
    const mine = await admin.get(EXTERNAL_ID);
    expectStatus(mine, 200);
    expect(mine.body).toEqual({ external_id: expect.stringMatching(/^opencckm-[0-9a-f]{32}$/) });
    const theirs = (await mallory.get(EXTERNAL_ID)).body.external_id;
    expect(theirs).toMatch(/^opencckm-/);
    expect(theirs).not.toBe(mine.body.external_id);
    expect((await admin.get(EXTERNAL_ID)).body).toEqual(mine.body);
    const reader = as(t, await t.userToken('reader', ['cckm_users']));
    expectError(await reader.get(EXTERNAL_ID), 403);
  });

  it('a chosen ExternalId is refused (400 naming the field); the generated one is accepted and used for AssumeRole', async () => {
    const mine = (await admin.get(EXTERNAL_ID)).body.external_id as string;
    const theirs = (await mallory.get(EXTERNAL_ID)).body.external_id as string;
    const body = {
      provider: 'aws',
      access_key_id: ACCESS_KEY,
      secret_access_key: SECRET,
      endpoint_url: recorder.url,
      assume_role_arn: ROLE,
    };
    for (const chosen of ['tenant-a-secret-id', theirs]) {
      const res = await admin.post(CONNECTIONS, { ...body, name: 'deputy', assume_role_external_id: chosen });
      expectError(res, 400, 'assume_role_external_id');
      expect(res.body.message).toMatch(/generated by the server/);
      expectError(
        await admin.post(CONNECTION_TEST, { ...body, assume_role_external_id: chosen }),
        400,
        'assume_role_external_id',
      );
      expectError(
        await admin.post('/cckm/aws/kms', {
          name: 'k',
          account_id: WIRE_ACCOUNT,
          connection: 'emulator',
          regions: ['us-east-1'],
          assume_role_arn: ROLE,
          assume_role_external_id: chosen,
        }),
        400,
        'assume_role_external_id',
      );
    }
    const same = await admin.post(CONNECTIONS, { ...body, name: 'deputy', assume_role_external_id: mine });
    expectStatus(same, 201);
    expect(same.body.assume_role_external_id).toBe(mine);
    const omitted = await admin.post(CONNECTIONS, { ...body, name: 'deputy2' });
    expectStatus(omitted, 201);
    expect(omitted.body.assume_role_external_id).toBe(mine);
    expectError(
      await admin.patch(`${CONNECTIONS}/deputy2`, { assume_role_external_id: 'other' }),
      400,
      'assume_role_external_id',
    );

    recorder.bodies.length = 0;
    const tested = await admin.post(`${CONNECTIONS}/deputy2/test`);
    expectStatus(tested, 200);
    expect(tested.body.connection_ok).toBe(false);
    const assume = recorder.bodies.find((b) => b.includes('Action=AssumeRole'));
    expect(new URLSearchParams(assume).get('ExternalId')).toBe(mine);
    // Finding 5: the endpoint's body is never repeated.
    expect(JSON.stringify(tested.body)).not.toContain('upstream-secret-xyzzy');
    expect(JSON.stringify((await admin.get(`${CONNECTIONS}/deputy2`)).body)).not.toContain('upstream-secret-xyzzy');
  });

  it('read-only users see no ExternalId on connections and KMS accounts', async () => {
    const mine = (await admin.get(EXTERNAL_ID)).body.external_id as string;
    expectStatus(
      await admin.post(CONNECTIONS, {
        name: 'roled',
        provider: 'emulator',
        assume_role_arn: 'arn:aws:iam::123456789012:role/r',
      }),
      201,
    );
    const reader = as(t, await t.userToken('reader2', ['cckm_users']));
    expect((await admin.get(`${CONNECTIONS}/roled`)).body.assume_role_external_id).toBe(mine);
    const seen = await reader.get(`${CONNECTIONS}/roled`);
    expectStatus(seen, 200);
    expect(seen.body.assume_role_external_id).toBeNull();
    const list = await reader.get(`${CONNECTIONS}?limit=-1`);
    expect(JSON.stringify(list.body)).not.toContain(mine);
    const kmsList = await reader.get('/cckm/aws/kms?limit=-1');
    expectStatus(kmsList, 200);
    expect(JSON.stringify(kmsList.body)).not.toContain(mine);
  });
});
