import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode,
  buildAwsKmsMrkAwareStrictMultiKeyringNode,
  buildClient,
  CommitmentPolicy,
  getClient,
  KMS,
  KmsKeyringNode,
} from '@aws-crypto/client-node';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { loadConfig } from '../../src/config/config.js';
import { startStandaloneEmulator, type StandaloneEmulator } from '../../src/emulator/standalone.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';

/**
 * The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) against the emulator's
 * AWS wire endpoint, signed with SigV4 as against AWS: the KMS keyring, encryption
 * context, the discovery keyring, a multi-Region key decrypted through its replica in
 * another Region, and the failures a wrong key or a tampered message must cause. The
 * keys come from the committed seed (test/fixtures/emulator-seed.json).
 */

const SEED_PATH = fileURLToPath(new URL('../fixtures/emulator-seed.json', import.meta.url));
const SEED = JSON.parse(readFileSync(SEED_PATH, 'utf8')) as { keys: Array<{ KeyId: string }> };
const ACCOUNT = '123456789012';
const ACCESS_KEY = 'AKIAOPENCCKMESDKTEST1';
const SECRET = 'encryption-sdk-secret-0123456789abcdefghij';
const keyArn = (i: number, region = 'us-east-1') => `arn:aws:kms:${region}:${ACCOUNT}:key/${SEED.keys[i]!.KeyId}`;
const SYMMETRIC = keyArn(0);
const DISABLED = keyArn(9);
const MRK_PRIMARY = keyArn(10);
const MRK_REPLICA = keyArn(10, 'us-west-2');
const CONTEXT = { tenant: 'kylo', purpose: 'encryption-sdk-contract' };

/** What the SDK says when no keyring could decrypt a data key of the message. */
const NO_DATA_KEY = /unencryptedDataKey has not been set/;

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

describe('AWS Encryption SDK for JavaScript over the emulator wire', () => {
  let running: StandaloneEmulator;
  let clientProvider: ReturnType<typeof getClient<KMS, ConstructorParameters<typeof KMS>[0]>>;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      EMULATOR_PORT: '0',
      EMULATOR_ACCOUNT_ID: ACCOUNT,
      EMULATOR_SEED: SEED_PATH,
    });
    running = await startStandaloneEmulator({
      config,
      store: new InMemoryEmulatorStore(),
      rootKey: randomBytes(32),
      host: '127.0.0.1',
      wireAuth: { auth: 'on', credentials: { [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT } } },
    });
    clientProvider = getClient(KMS, {
      endpoint: `http://127.0.0.1:${running.port}`,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('KMS keyring: encrypt and decrypt, the encryption context kept in the message and bound by KMS', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: SYMMETRIC, clientProvider });
    const plaintext = randomBytes(1000);
    const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: CONTEXT });
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0]!.providerInfo).toBe(SYMMETRIC);
    const out = await decrypt(keyring, result);
    expect(Buffer.from(out.plaintext)).toEqual(plaintext);
    expect(out.messageHeader.encryptionContext).toMatchObject(CONTEXT);

    // The data key is a KMS ciphertext bound to the context (the SDK adds its own public-key pair):
    // the emulator refuses it without that context, or with a changed one.
    const edk = messageHeader.encryptedDataKeys[0]!.encryptedDataKey;
    const kms = new KMSClient({
      endpoint: `http://127.0.0.1:${running.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    try {
      const full = messageHeader.encryptionContext;
      const ok = await kms.send(new DecryptCommand({ CiphertextBlob: edk, EncryptionContext: full }));
      expect(ok.KeyId).toBe(SYMMETRIC);
      await expect(kms.send(new DecryptCommand({ CiphertextBlob: edk }))).rejects.toMatchObject({
        name: 'InvalidCiphertextException',
      });
      await expect(
        kms.send(new DecryptCommand({ CiphertextBlob: edk, EncryptionContext: { ...full, tenant: 'other' } })),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    } finally {
      kms.destroy();
    }
  });

  it('discovery keyring: decrypts with no key named, and honours its account filter', async () => {
    const { result } = await encrypt(new KmsKeyringNode({ generatorKeyId: SYMMETRIC, clientProvider }), 'hello', {
      encryptionContext: CONTEXT,
    });
    const discovery = new KmsKeyringNode({
      discovery: true,
      discoveryFilter: { accountIDs: [ACCOUNT], partition: 'aws' },
      clientProvider,
    });
    expect((await decrypt(discovery, result)).plaintext.toString()).toBe('hello');
    const elsewhere = new KmsKeyringNode({
      discovery: true,
      discoveryFilter: { accountIDs: ['999999999999'], partition: 'aws' },
      clientProvider,
    });
    // The filter skips the data key without calling KMS; the SDK then has no data key.
    await expect(decrypt(elsewhere, result)).rejects.toThrow(NO_DATA_KEY);
  });

  it('multi-Region key: encrypted under the primary, decrypted through the replica in another Region', async () => {
    const primary = buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: MRK_PRIMARY, clientProvider });
    const { result, messageHeader } = await encrypt(primary, 'across regions', { encryptionContext: CONTEXT });
    expect(messageHeader.encryptedDataKeys[0]!.providerInfo).toBe(MRK_PRIMARY);
    const replica = buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [MRK_REPLICA], clientProvider });
    const out = await decrypt(replica, result);
    expect(out.plaintext.toString()).toBe('across regions');
    // MRK-aware discovery limited to the replica's Region finds it too.
    const discovery = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({
      regions: ['us-west-2'],
      clientProvider,
      discoveryFilter: { accountIDs: [ACCOUNT], partition: 'aws' },
    });
    expect((await decrypt(discovery, result)).plaintext.toString()).toBe('across regions');
  });

  it('fails on a wrong key, a disabled key and a tampered message', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: SYMMETRIC, clientProvider });
    const { result } = await encrypt(keyring, randomBytes(64), { encryptionContext: CONTEXT });
    const wrongKey = new KmsKeyringNode({ keyIds: [MRK_PRIMARY], clientProvider });
    await expect(decrypt(wrongKey, result)).rejects.toThrow(NO_DATA_KEY);
    await expect(encrypt(new KmsKeyringNode({ generatorKeyId: DISABLED, clientProvider }), 'x')).rejects.toThrow(
      /disabled/i,
    );
    const tamperedBody = Buffer.from(result);
    tamperedBody[tamperedBody.length - 120]! ^= 0x01;
    await expect(decrypt(keyring, tamperedBody)).rejects.toThrow(/unable to authenticate data/);
    // A flipped byte in the GCM tag of the encrypted data key (the emulator's ciphertext blob:
    // version, ARN length, ARN, 32-byte material id, 12-byte IV, tag): KMS refuses it.
    const edkStart = Buffer.from(result).indexOf(Buffer.from(SYMMETRIC)) + SYMMETRIC.length + 2;
    const tamperedKey = Buffer.from(result);
    tamperedKey[edkStart + 2 + SYMMETRIC.length + 32 + 12 + 4]! ^= 0x01;
    await expect(decrypt(keyring, tamperedKey)).rejects.toThrow(/InvalidCiphertextException/);
  });
});
