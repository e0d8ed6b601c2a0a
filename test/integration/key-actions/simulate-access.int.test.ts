import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DecryptCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import request from 'supertest';
import { createEmulatorWireHandler } from '../../../src/emulator/wire/handler.js';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { ACCOUNT_ID, createKeyOk, TEMPLATES } from '../keys/helpers.js';

// Issue 14, done-when: a key created through the REST API with key_users [alice] and key_admins [bob]
// (and once through a policy template) lets alice Encrypt/Decrypt but not ScheduleKeyDeletion or
// PutKeyPolicy, and bob the reverse; simulate-access agrees with what the emulator then does.

const SECRET = 'simulate-access-secret-0123456789abcdef';
const REGION = 'us-east-1';
type Who = 'alice' | 'bob';
const ACCESS: Record<Who, string> = { alice: 'AKIASIMULATEALICE001', bob: 'AKIASIMULATEBOB00001' };
const ARN = (who: Who) => `arn:aws:iam::${ACCOUNT_ID}:user/${who}`;

describe('key_users / key_admins are enforced by the emulator, and simulate-access predicts it', () => {
  let t: TestApp;
  let wire: Server;
  const clients: KMSClient[] = [];
  const kms = (who: Who) => {
    const c = new KMSClient({
      region: REGION,
      endpoint: `http://127.0.0.1:${(wire.address() as AddressInfo).port}`,
      credentials: { accessKeyId: ACCESS[who], secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // alice and bob are IAM users whose identity policies grant nothing: only the key policy speaks for them.
    const dir = mkdtempSync(path.join(tmpdir(), 'opencckm-identities-'));
    const file = path.join(dir, 'identities.json');
    writeFileSync(
      file,
      JSON.stringify({
        users: [
          { account: ACCOUNT_ID, name: 'alice', policies: [] },
          { account: ACCOUNT_ID, name: 'bob', policies: [] },
        ],
      }),
    );
    const credentials = `${ACCESS.alice}:${SECRET}:${ACCOUNT_ID}:user/alice,${ACCESS.bob}:${SECRET}:${ACCOUNT_ID}:user/bob`;
    t = await startTestApp('simulate_access', {
      env: { EMULATOR_IDENTITIES: file, EMULATOR_CREDENTIALS: credentials },
    });
    wire = createServer(
      createEmulatorWireHandler(t.composed.emulator!, {
        credentials: t.config.emulatorCredentials,
        defaultAccountId: ACCOUNT_ID,
        defaultRegion: REGION,
      }),
    );
    await new Promise<void>((r) => wire.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    wire?.closeAllConnections();
    await new Promise((r) => wire?.close(r));
    await t?.close();
  });

  const simulate = (id: string, body: object) =>
    request(t.http)
      .post(`/api/v1/cckm/aws/keys/${id}/simulate-access`)
      .set('Authorization', bearer(t.adminToken))
      .send(body);

  /** What the emulator does when `who` calls `action` on the key: true (done) or false (AccessDenied). */
  async function attempt(who: Who, action: string, keyArn: string, blob: Uint8Array): Promise<boolean> {
    const c = kms(who);
    const context = { app: 'orders' };
    const run = async () => {
      switch (action) {
        case 'kms:Encrypt':
          return c.send(
            new EncryptCommand({ KeyId: keyArn, Plaintext: new Uint8Array([7]), EncryptionContext: context }),
          );
        case 'kms:Decrypt':
          return c.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));
        case 'kms:PutKeyPolicy': {
          // bob writes the current policy back (which keeps his PutKeyPolicy); alice may not read it, so root does.
          const { Policy } = await kms('bob').send(new GetKeyPolicyCommand({ KeyId: keyArn }));
          return c.send(new PutKeyPolicyCommand({ KeyId: keyArn, Policy }));
        }
        default:
          return c.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
      }
    };
    try {
      await run();
      return true;
    } catch (err) {
      expect((err as Error).name).toBe('AccessDeniedException');
      return false;
    }
  }

  async function check(record: { id: string; aws_param: { KeyID: string; Arn?: string } }) {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${record.aws_param.KeyID}`;
    const blob = (
      await kms('alice').send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: new Uint8Array([1]), EncryptionContext: { app: 'orders' } }),
      )
    ).CiphertextBlob!;
    const expected: [Who, string, boolean][] = [
      ['alice', 'kms:Encrypt', true],
      ['alice', 'kms:Decrypt', true],
      ['alice', 'kms:PutKeyPolicy', false],
      ['alice', 'kms:ScheduleKeyDeletion', false],
      ['bob', 'kms:Encrypt', false],
      ['bob', 'kms:Decrypt', false],
      ['bob', 'kms:PutKeyPolicy', true],
      ['bob', 'kms:ScheduleKeyDeletion', true], // last: the key is then pending deletion
    ];
    for (const [who, action, allowed] of expected) {
      const res = await simulate(record.id, { principal: who, action, encryption_context: { app: 'orders' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ allowed, basis: 'emulator', principal: ARN(who), action });
      expect(res.body.decided_by).toBe(
        allowed
          ? `key policy statement "${who === 'alice' ? 'Allow use of the key' : 'Allow access for Key Administrators'}" (#${who === 'alice' ? 3 : 2})`
          : 'implicit deny',
      );
      // What the emulator then actually does agrees.
      expect({ who, action, allowed: await attempt(who, action, keyArn, blob) }).toEqual({ who, action, allowed });
    }
  }

  it('with key_users and key_admins', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: REGION, key_users: ['alice'], key_admins: ['bob'] });
    await check(k as never);
  });

  it('with a policy template', async () => {
    const tpl = await request(t.http)
      .post(TEMPLATES)
      .set('Authorization', bearer(t.adminToken))
      .send({ name: 'alice-uses-bob-admins', kms: 'kms', key_users: ['alice'], key_admins: ['bob'] });
    expect(tpl.status).toBe(201);
    const k = await createKeyOk(t, { kms: 'kms', region: REGION, policytemplate: tpl.body.id });
    await check(k as never);
  });

  it('refuses malformed requests naming the field, and unknown records', async () => {
    const k = await createKeyOk(t, { kms: 'kms', region: REGION, key_users: ['alice'] });
    const bad = await simulate(k.id, { principal: 'alice', action: 'kms:Fly' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('action');
    const who = await simulate(k.id, { principal: 'group/x', action: 'kms:Encrypt' });
    expect(who.status).toBe(400);
    expect(JSON.stringify(who.body)).toContain('principal');
    const missing = await simulate('00000000-0000-4000-8000-00000000abcd', {
      principal: 'alice',
      action: 'kms:Encrypt',
    });
    expect(missing.status).toBe(404);
  });
});
