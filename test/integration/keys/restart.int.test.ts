import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { provisionTestDatabase, testDatabaseKinds, type TestDatabaseTarget } from '../../support/test-db.js';
import { createKey, createKeyOk, emulator, expectError, get, KEYS, listIds } from './helpers.js';

/**
 * Records and emulator keys survive a restart, on PostgreSQL and on the embedded database:
 * same database, same master and emulator root keys → same records, same keys, old
 * ciphertexts still decrypt and the old signing key still verifies.
 */
describe.each(testDatabaseKinds())('restart on %s', (kind) => {
  const env = {
    CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
    EMULATOR_ROOT_KEY: randomBytes(32).toString('base64'),
  };
  let target: TestDatabaseTarget;
  let db: Database | undefined;
  let t: TestApp | undefined;
  const open = async () => {
    db = await openDatabase({ ...(target.url ? { url: target.url } : {}), dataDir: target.dataDir });
    t = await startTestApp(`restart_${kind}`, { database: db, env });
    return t;
  };
  const shut = async () => {
    await t?.close();
    await db?.close();
    t = undefined;
    db = undefined;
  };

  beforeAll(async () => {
    target = await provisionTestDatabase(`restart_${kind}`, { kind });
  }, 60_000);
  afterAll(async () => {
    await shut();
    await target?.drop();
  }, 60_000);

  it('keeps the records and the emulator keys (material included)', async () => {
    let app = await open();
    const sym = await createKeyOk(app, {
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { Alias: 'survivor', Tags: [{ TagKey: 'k', TagValue: 'v' }] },
    });
    const rsa = await createKeyOk(app, {
      kms: 'kms',
      region: 'eu-west-1',
      aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      key_users: ['signer'],
    });
    const mrk = await createKeyOk(app, {
      kms: 'kms',
      region: 'ap-south-1',
      aws_param: { MultiRegion: true, KeySpec: 'HMAC_256' },
    });
    const plaintext = Buffer.from('secret across restarts');
    const ct = (
      await emulator(app, 'us-east-1', 'Encrypt', {
        KeyId: 'alias/survivor',
        Plaintext: plaintext,
        EncryptionContext: { a: 'b' },
      })
    ).CiphertextBlob!;
    const message = Buffer.from('signed before the restart');
    const sig = (
      await emulator(app, 'eu-west-1', 'Sign', {
        KeyId: rsa.aws_param.KeyID,
        Message: message,
        SigningAlgorithm: 'RSASSA_PSS_SHA_256',
      })
    ).Signature!;
    const records = await Promise.all([sym, rsa, mrk].map(async (r) => (await get(app, `${KEYS}/${r.id}`)).body));
    await shut();

    app = await open();
    for (const r of records) {
      const got = await get(app, `${KEYS}/${r.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(r);
      const d = await emulator(app, r.region, 'DescribeKey', { KeyId: r.aws_param.KeyID });
      expect(d.KeyMetadata).toMatchObject({
        KeyId: r.aws_param.KeyID,
        Arn: r.aws_param.Arn,
        KeyState: 'Enabled',
        KeySpec: r.aws_param.KeySpec,
      });
    }
    expect(await listIds(app, '')).toEqual([sym.id, rsa.id, mrk.id].sort());
    // Aliases, tags and policies are still there.
    expect((await emulator(app, 'us-east-1', 'DescribeKey', { KeyId: 'alias/survivor' })).KeyMetadata!.KeyId).toBe(
      sym.aws_param.KeyID,
    );
    const tags = await emulator(app, 'us-east-1', 'ListResourceTags', { KeyId: sym.aws_param.KeyID });
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { TagKey: 'k', TagValue: 'v' },
        { TagKey: 'cckm_record_id', TagValue: sym.id },
      ]),
    );
    const policy = JSON.parse(
      (await emulator(app, 'eu-west-1', 'GetKeyPolicy', { KeyId: rsa.aws_param.KeyID, PolicyName: 'default' })).Policy!,
    );
    expect(policy).toEqual(rsa.aws_param.Policy);
    // The material survived too.
    const dec = await emulator(app, 'us-east-1', 'Decrypt', { CiphertextBlob: ct, EncryptionContext: { a: 'b' } });
    expect(Buffer.from(dec.Plaintext!).toString()).toBe(plaintext.toString());
    const ver = await emulator(app, 'eu-west-1', 'Verify', {
      KeyId: rsa.aws_param.KeyID,
      Message: message,
      Signature: sig,
      SigningAlgorithm: 'RSASSA_PSS_SHA_256',
    });
    expect(ver.SignatureValid).toBe(true);
    // Refresh finds the same key; the alias is still taken; new keys can be created.
    const refreshed = await request(app.http)
      .post(`${KEYS}/${sym.id}/refresh`)
      .set('Authorization', bearer(app.adminToken));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.aws_param.KeyID).toBe(sym.aws_param.KeyID);
    expectError(
      await createKey(app, { kms: 'kms', region: 'us-east-1', aws_param: { Alias: 'survivor' } }),
      409,
      'NCERRConflict',
      'AlreadyExistsException',
    );
    const fresh = await createKeyOk(app, { kms: 'kms', region: 'us-east-1' });
    expect(await listIds(app, '')).toEqual([sym.id, rsa.id, mrk.id, fresh.id].sort());
    await shut();
  }, 120_000);

  it('refuses to start with another emulator root key (stored material does not open)', async () => {
    const wrongDb = await openDatabase({ ...(target.url ? { url: target.url } : {}), dataDir: target.dataDir });
    try {
      await expect(
        startTestApp(`restart_${kind}_wrong`, {
          database: wrongDb,
          env: { ...env, EMULATOR_ROOT_KEY: randomBytes(32).toString('base64') },
        }),
      ).rejects.toThrow();
    } finally {
      await wrongDb.close();
    }
  }, 60_000);
});
