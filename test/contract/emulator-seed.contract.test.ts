import {
  constants,
  createPrivateKey,
  createHmac,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DecryptCommand,
  DescribeKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  SignCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { loadConfig } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { PostgresEmulatorStore } from '../../src/db/emulator-store.repository.js';
import { startStandaloneEmulator, type StandaloneEmulator } from '../../src/emulator/standalone.js';
import type { EmulatorStore } from '../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { startTestApp } from '../fixtures/app.js';
import { createTestDatabase } from '../support/test-db.js';

/**
 * EMULATOR_SEED end to end: the committed seed (test/fixtures/emulator-seed.json) and
 * ciphertexts made under its material (emulator-seed-ciphertexts.json, made once, by
 * another emulator instance with another root key, or by node's own crypto) work in the
 * standalone emulator over the AWS wire and in the in-process emulator of `npm start`,
 * and a restart on the same store changes nothing.
 */

const SEED_PATH = fileURLToPath(new URL('../fixtures/emulator-seed.json', import.meta.url));
const SEED = JSON.parse(readFileSync(SEED_PATH, 'utf8')) as {
  keys: Array<{
    KeyId: string;
    KeySpec?: string;
    Region?: string;
    AccountId?: string;
    KeyMaterial?: { Base64?: string; Pem?: string };
  }>;
};
const FIX = JSON.parse(
  readFileSync(new URL('../fixtures/emulator-seed-ciphertexts.json', import.meta.url), 'utf8'),
) as Record<string, string> & { encryptionContext: Record<string, string> };
const ACCOUNT = '123456789012';
const ACCESS_KEY = 'AKIAOPENCCKMSEEDTEST';
const SECRET = 'seed-contract-secret-0123456789abcdefghij';
const OTHER_ACCESS_KEY = 'AKIAOPENCCKMSEEDOTHR';
const id = (i: number) => SEED.keys[i]!.KeyId as string;
const arn = (i: number, region = 'us-east-1') => `arn:aws:kms:${region}:${ACCOUNT}:key/${id(i)}`;
const blob = (name: string) => Buffer.from(FIX[name]!, 'base64');

async function startSeeded(store: EmulatorStore, rootKey: Uint8Array): Promise<StandaloneEmulator> {
  const config = loadConfig({
    NODE_ENV: 'test',
    EMULATOR_PORT: '0',
    EMULATOR_ACCOUNT_ID: ACCOUNT,
    EMULATOR_REGIONS: 'us-east-1,us-west-2,eu-west-1',
    EMULATOR_SEED: SEED_PATH,
  });
  return startStandaloneEmulator({
    config,
    store,
    rootKey,
    host: '127.0.0.1',
    wireAuth: {
      auth: 'on',
      credentials: {
        [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT },
        [OTHER_ACCESS_KEY]: { secretAccessKey: SECRET, accountId: '444455556666' },
      },
    },
  });
}

const kms = (port: number, region = 'us-east-1', accessKeyId = ACCESS_KEY) =>
  new KMSClient({
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials: { accessKeyId, secretAccessKey: SECRET },
    maxAttempts: 1,
  });

describe('EMULATOR_SEED in the standalone emulator (AWS wire)', () => {
  const store = new InMemoryEmulatorStore();
  const rootKey = randomBytes(32);
  let running: StandaloneEmulator;
  let client: KMSClient;

  beforeAll(async () => {
    running = await startSeeded(store, rootKey);
    client = kms(running.port);
  });
  afterAll(async () => {
    client?.destroy();
    await running?.close();
  });

  it('reports what it created', () => {
    expect(running.seedReport).toMatchObject({ present: [], drift: [] });
    expect(running.seedReport!.created).toContain(arn(0));
    expect(running.seedReport!.created).toContain(arn(10, 'us-west-2'));
  });

  it('decrypts the committed ciphertexts, through aliases and across a multi-Region replica', async () => {
    const sym = await client.send(
      new DecryptCommand({ CiphertextBlob: blob('symmetric'), EncryptionContext: FIX.encryptionContext }),
    );
    expect(Buffer.from(sym.Plaintext!).toString()).toBe(FIX.plaintext);
    expect(sym.KeyId).toBe(arn(0));
    const imported = await client.send(new DecryptCommand({ CiphertextBlob: blob('imported') }));
    expect(Buffer.from(imported.Plaintext!).toString()).toBe(FIX.plaintext);
    const west = kms(running.port, 'us-west-2');
    try {
      const replica = await west.send(
        new DecryptCommand({
          CiphertextBlob: blob('multiRegion'),
          EncryptionContext: FIX.encryptionContext,
          KeyId: arn(10, 'us-west-2'),
        }),
      );
      expect(Buffer.from(replica.Plaintext!).toString()).toBe(FIX.plaintext);
    } finally {
      west.destroy();
    }
    // A tampered fixture does not decrypt.
    const tampered = blob('symmetric');
    tampered[tampered.length - 1]! ^= 1;
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: FIX.encryptionContext })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('holds the given asymmetric and HMAC material (checked with node crypto, independently)', async () => {
    const rsa = await client.send(
      new DecryptCommand({
        KeyId: 'alias/fixtures/rsa',
        CiphertextBlob: blob('rsaOaepSha256'),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
    );
    expect(Buffer.from(rsa.Plaintext!).toString()).toBe(FIX.plaintext);
    const mac = await client.send(
      new VerifyMacCommand({
        KeyId: 'alias/fixtures/hmac',
        Message: Buffer.from(FIX.plaintext!),
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: blob('hmacSha256'),
      }),
    );
    expect(mac.MacValid).toBe(true);
    const p256 = createPrivateKey({
      key: Buffer.from(SEED.keys[3]!.KeyMaterial!.Base64!, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    const pub = await client.send(new GetPublicKeyCommand({ KeyId: id(3) }));
    expect(Buffer.from(pub.PublicKey!)).toEqual(createPublicKey(p256).export({ type: 'spki', format: 'der' }));
    const message = Buffer.from('signed by a seeded key');
    const sig = await client.send(
      new SignCommand({ KeyId: id(3), Message: message, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' }),
    );
    expect(verify('sha256', message, createPublicKey(p256), Buffer.from(sig.Signature!))).toBe(true);
    const ed = createPrivateKey(SEED.keys[4]!.KeyMaterial!.Pem!);
    const edPub = await client.send(new GetPublicKeyCommand({ KeyId: id(4) }));
    expect(Buffer.from(edPub.PublicKey!)).toEqual(createPublicKey(ed).export({ type: 'spki', format: 'der' }));
    const mlDsa = await client.send(new GetPublicKeyCommand({ KeyId: id(5) }));
    expect(Buffer.from(mlDsa.PublicKey!).toString('base64')).toBe(FIX.mlDsa44PublicKey);
    // The RSA key's public half is the fixture's (and node decrypts what the emulator's public key encrypts).
    const rsaKey = createPrivateKey(SEED.keys[2]!.KeyMaterial!.Pem!);
    const rsaPub = await client.send(new GetPublicKeyCommand({ KeyId: 'alias/fixtures/rsa' }));
    const sealed = publicEncrypt(
      {
        key: createPublicKey({ key: Buffer.from(rsaPub.PublicKey!), format: 'der', type: 'spki' }),
        oaepHash: 'sha256',
      },
      Buffer.from('back'),
    );
    expect(
      privateDecrypt({ key: rsaKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, sealed).toString(),
    ).toBe('back');
  });

  it('holds the given material of every key spec of the fixture (public keys and MACs recomputed by node)', async () => {
    let checked = 0;
    for (const key of SEED.keys) {
      const spec = key.KeySpec ?? 'SYMMETRIC_DEFAULT';
      if (!key.KeyMaterial || spec === 'SYMMETRIC_DEFAULT' || spec.startsWith('ML_DSA_')) continue;
      const region = key.Region ?? 'us-east-1';
      const partition = region.startsWith('cn-') ? 'aws-cn' : 'aws';
      const keyId = `arn:${partition}:kms:${region}:${key.AccountId ?? ACCOUNT}:key/${key.KeyId}`;
      const c = kms(running.port, region);
      try {
        if (spec.startsWith('HMAC_')) {
          const bits = spec.slice('HMAC_'.length);
          const secret = Buffer.from(key.KeyMaterial.Base64!, 'base64');
          const message = Buffer.from(`mac under ${spec}`);
          const out = await c.send(
            new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: `HMAC_SHA_${bits}` as never }),
          );
          expect(Buffer.from(out.Mac!)).toEqual(createHmac(`sha${bits}`, secret).update(message).digest());
        } else {
          const priv = key.KeyMaterial.Pem
            ? createPrivateKey(key.KeyMaterial.Pem)
            : createPrivateKey({ key: Buffer.from(key.KeyMaterial.Base64!, 'base64'), format: 'der', type: 'pkcs8' });
          const expected = createPublicKey(priv).export({ type: 'spki', format: 'der' });
          const out = await c.send(new GetPublicKeyCommand({ KeyId: keyId }));
          expect(out.KeySpec).toBe(spec);
          // SM2: node names the curve differently in its SPKI; the public point (the tail) is what matters.
          const tail = spec === 'SM2' ? 65 : expected.length;
          expect(Buffer.from(out.PublicKey!).subarray(-tail)).toEqual(expected.subarray(-tail));
        }
        checked++;
      } finally {
        c.destroy();
      }
    }
    expect(checked).toBeGreaterThanOrEqual(14);
  });

  it('holds SM2 material in the China Regions', async () => {
    const cn = kms(running.port, 'cn-north-1');
    try {
      const pub = await cn.send(
        new GetPublicKeyCommand({ KeyId: `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${id(6)}` }),
      );
      expect(pub.KeySpec).toBe('SM2');
      const sm2 = createPrivateKey(SEED.keys[6]!.KeyMaterial!.Pem!);
      // node's SPKI of an SM2 key names the curve as the emulator does: same public point.
      const mine = createPublicKey(sm2).export({ type: 'spki', format: 'der' });
      expect(Buffer.from(pub.PublicKey!).subarray(-65)).toEqual(mine.subarray(-65));
    } finally {
      cn.destroy();
    }
  });

  it('gives each account its own seeded keys, with the same alias name', async () => {
    const other = kms(running.port, 'eu-west-1', OTHER_ACCESS_KEY);
    try {
      const md = (await other.send(new DescribeKeyCommand({ KeyId: 'alias/fixtures/symmetric' }))).KeyMetadata!;
      expect(md.Arn).toBe(`arn:aws:kms:eu-west-1:444455556666:key/${id(11)}`);
      const aliases = await client.send(new ListAliasesCommand({}));
      const mine = aliases.Aliases!.find((a) => a.AliasName === 'alias/fixtures/symmetric');
      expect(mine?.TargetKeyId).toBe(id(0));
    } finally {
      other.destroy();
    }
  });

  it('a restart on the same store creates nothing and still decrypts', async () => {
    await running.close();
    running = await startSeeded(store, rootKey);
    client.destroy();
    client = kms(running.port);
    expect(running.seedReport!.created).toEqual([]);
    expect(running.seedReport!.present).toHaveLength(SEED.keys.length + 1);
    const sym = await client.send(
      new DecryptCommand({ CiphertextBlob: blob('symmetric'), EncryptionContext: FIX.encryptionContext }),
    );
    expect(Buffer.from(sym.Plaintext!).toString()).toBe(FIX.plaintext);
  });

  it('refuses to start on an invalid seed, naming the field', async () => {
    const config = loadConfig({ NODE_ENV: 'test', EMULATOR_PORT: '0', EMULATOR_SEED: '/nonexistent/seed.json' });
    await expect(
      startStandaloneEmulator({ config, store: new InMemoryEmulatorStore(), rootKey: randomBytes(32) }),
    ).rejects.toThrow(/EMULATOR_SEED: cannot read the seed file \/nonexistent\/seed.json \(ENOENT\)/);
  });
});

/** The keys and aliases in the durable emulator store, comparable. */
async function seededObjects(db: Database) {
  const all = await new PostgresEmulatorStore(db.db).loadAll();
  return all
    .filter((o) => o.kind === 'key' || o.kind === 'alias')
    .map((o) => ({ ...o, secret: o.secret ? Buffer.from(o.secret).toString('base64') : null }))
    .sort((a, b) =>
      `${a.kind}/${a.accountId}/${a.region}/${a.id}`.localeCompare(`${b.kind}/${b.accountId}/${b.region}/${b.id}`),
    );
}

describe('EMULATOR_SEED in the in-process emulator (npm start)', () => {
  let db: Database;
  const env = {
    EMULATOR_SEED: SEED_PATH,
    EMULATOR_ROOT_KEY: randomBytes(32).toString('base64'),
    CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
  };

  beforeAll(async () => {
    db = await createTestDatabase('emulator-seed');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('seeds the durable store at compose, decrypts the fixtures, and a restart changes nothing', async () => {
    const app = await startTestApp('emulator-seed', { database: db, env });
    let rows: unknown;
    try {
      const emulator = app.composed.emulator!;
      const ctx = { accountId: app.config.emulatorAccountId, region: 'us-east-1' };
      expect(ctx.accountId).toBe(ACCOUNT);
      const out = await emulator.call(ctx, 'Decrypt', {
        CiphertextBlob: blob('symmetric'),
        EncryptionContext: FIX.encryptionContext,
      });
      expect(Buffer.from(out.Plaintext!).toString()).toBe(FIX.plaintext);
      const replica = await emulator.call({ ...ctx, region: 'us-west-2' }, 'Decrypt', {
        CiphertextBlob: blob('multiRegion'),
        EncryptionContext: FIX.encryptionContext,
        KeyId: arn(10, 'us-west-2'),
      });
      expect(Buffer.from(replica.Plaintext!).toString()).toBe(FIX.plaintext);
      rows = await seededObjects(db);
    } finally {
      await app.close();
    }
    const again = await startTestApp('emulator-seed', { database: db, env });
    try {
      expect(await seededObjects(db)).toEqual(rows);
      const md = await again.composed.emulator!.call({ accountId: ACCOUNT, region: 'us-east-1' }, 'DescribeKey', {
        KeyId: 'alias/fixtures/symmetric',
      });
      expect(md.KeyMetadata!.Arn).toBe(arn(0));
    } finally {
      await again.close();
    }
  });

  it('refuses to start on a seed that contradicts the store, and on an invalid one, naming the JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencckm-seed-'));
    try {
      const changed = structuredClone(SEED);
      changed.keys[9]!.KeySpec = 'HMAC_256';
      (changed.keys[9] as Record<string, unknown>).KeyUsage = 'GENERATE_VERIFY_MAC';
      const conflicting = join(dir, 'conflicting.json');
      writeFileSync(conflicting, JSON.stringify(changed));
      await expect(
        startTestApp('emulator-seed', { database: db, env: { ...env, EMULATOR_SEED: conflicting } }),
      ).rejects.toThrow(/keys\[9\]\.KeySpec: .* already exists with KeySpec SYMMETRIC_DEFAULT, the seed says HMAC_256/);
      const invalid = join(dir, 'invalid.json');
      writeFileSync(invalid, JSON.stringify({ version: 1, keys: [{ KeyId: 'not-a-uuid' }] }));
      await expect(
        startTestApp('emulator-seed', { database: db, env: { ...env, EMULATOR_SEED: invalid } }),
      ).rejects.toThrow(/^keys\[0\]\.KeyId: must be a lowercase UUID/);
      // The refused starts released the emulator's writer lock and wrote nothing: the good seed starts again.
      const app = await startTestApp('emulator-seed', { database: db, env });
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
