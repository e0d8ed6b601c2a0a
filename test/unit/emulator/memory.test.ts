import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KmsEmulator } from '../../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';
import { ACCOUNT, CTX } from './helpers.js';

/** V8's collector, made callable without `--expose-gc` (flags set at run time apply to new contexts). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const open = (
  store = new InMemoryEmulatorStore(),
  rootKey = new Uint8Array(randomBytes(32)),
  materialCacheKeys?: number,
) => KmsEmulator.open({ store, rootKey, defaultAccountId: ACCOUNT, schedulerIntervalMs: 0, materialCacheKeys });

test('a key costs well under 3 kB of heap (issue 13: the hot index keeps documents and sealed secrets, material in a bounded cache)', async () => {
  const gc = collector();
  const emulator = await open();
  await emulator.call(CTX, 'CreateKey', {});
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const before = used();
  const keys = 20_000;
  for (let i = 0; i < keys; i += 200) {
    await Promise.all(Array.from({ length: 200 }, () => emulator.call(CTX, 'CreateKey', {})));
  }
  const perKey = (used() - before) / keys;
  await emulator.close();
  // Measured ~1.3 kB (document, sealed secret, index entries, the in-memory store's share);
  // 3.5 kB before issue 13. The bound leaves room for noise, not for a per-key copy.
  expect(perKey).toBeLessThan(3000);
}, 120_000);

test('keys whose material left the cache still encrypt, decrypt, sign and rotate (the sealed secret is opened again)', async () => {
  const store = new InMemoryEmulatorStore();
  const rootKey = new Uint8Array(randomBytes(32));
  const emulator = await open(store, rootKey, 1);
  const sym = (await emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;
  const ecc = (await emulator.call(CTX, 'CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
    .KeyMetadata!.KeyId!;
  const mac = (await emulator.call(CTX, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))
    .KeyMetadata!.KeyId!;
  const plaintext = new Uint8Array(randomBytes(64));
  const first = (await emulator.call(CTX, 'Encrypt', { KeyId: sym, Plaintext: plaintext })).CiphertextBlob!;
  const message = new Uint8Array(randomBytes(32));
  const signature = (
    await emulator.call(CTX, 'Sign', { KeyId: ecc, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' })
  ).Signature!;
  const tag = (await emulator.call(CTX, 'GenerateMac', { KeyId: mac, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))
    .Mac!;
  await emulator.call(CTX, 'RotateKeyOnDemand', { KeyId: sym });
  await emulator.call(CTX, 'TagResource', { KeyId: sym, Tags: [{ TagKey: 'k', TagValue: 'v' }] }); // a metadata-only change
  const second = (await emulator.call(CTX, 'Encrypt', { KeyId: sym, Plaintext: plaintext })).CiphertextBlob!;

  // Every call below finds its key's material evicted by the call before it.
  for (const blob of [first, second, first]) {
    expect((await emulator.call(CTX, 'Decrypt', { CiphertextBlob: blob })).Plaintext).toEqual(plaintext);
    expect(
      (
        await emulator.call(CTX, 'Verify', {
          KeyId: ecc,
          Message: message,
          Signature: signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        })
      ).SignatureValid,
    ).toBe(true);
    expect(
      (await emulator.call(CTX, 'VerifyMac', { KeyId: mac, Message: message, Mac: tag, MacAlgorithm: 'HMAC_SHA_256' }))
        .MacValid,
    ).toBe(true);
  }
  await emulator.close();

  const reopened = await open(store, rootKey, 0);
  expect((await reopened.call(CTX, 'Decrypt', { CiphertextBlob: first })).Plaintext).toEqual(plaintext);
  expect((await reopened.call(CTX, 'Decrypt', { CiphertextBlob: second })).Plaintext).toEqual(plaintext);
  await reopened.close();
});

test('the in-memory store keeps documents frozen (a later change fails instead of diverging) and hands out copies', async () => {
  const store = new InMemoryEmulatorStore();
  const doc = { description: 'a' };
  await store.apply({
    put: [{ kind: 'key', accountId: ACCOUNT, region: 'us-east-1', id: 'k', doc, secret: Uint8Array.of(1, 0, 255) }],
  });
  expect(() => {
    doc.description = 'changed after the write';
  }).toThrow(TypeError);
  const [loaded] = await store.loadAll();
  expect(loaded).toEqual({
    kind: 'key',
    accountId: ACCOUNT,
    region: 'us-east-1',
    id: 'k',
    doc: { description: 'a' },
    secret: Uint8Array.of(1, 0, 255),
  });
  (loaded!.doc as { description: string }).description = 'changed copy';
  expect((await store.loadAll())[0]!.doc).toEqual({ description: 'a' });
});
