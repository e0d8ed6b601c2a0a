import { randomBytes } from 'node:crypto';
import { KmsEmulator } from '../../../src/emulator/emulator.js';
import type { StoreChange } from '../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';
import { ACCOUNT, CTX, errorOf, openHarness } from './helpers.js';

/** An in-memory store that records and can fail writes. */
class RecordingStore extends InMemoryEmulatorStore {
  applied: StoreChange[] = [];
  failNext = 0;
  override async apply(change: StoreChange): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('disk on fire');
    }
    this.applied.push(change);
    await super.apply(change);
  }
}

test('state survives reopening the store; material is stored only sealed', async () => {
  const store = new RecordingStore();
  const rootKey = new Uint8Array(randomBytes(32));
  const a = await openHarness({ store, rootKey });
  const md = (await a.emulator.call(CTX, 'CreateKey', { Description: 'd', Tags: [{ TagKey: 't', TagValue: 'v' }] }))
    .KeyMetadata!;
  await a.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/keep', TargetKeyId: md.KeyId! });
  await a.emulator.call(CTX, 'EnableKeyRotation', { KeyId: md.KeyId! });
  await a.emulator.close();

  const objects = await store.loadAll();
  expect(objects.map((o) => o.kind).sort()).toEqual(['alias', 'key']);
  const key = objects.find((o) => o.kind === 'key')!;
  expect(key.secret?.[0]).toBe(1); // root envelope format version
  expect(JSON.stringify(key.doc)).not.toMatch(/material"\s*:/);

  const b = await openHarness({ store, rootKey });
  expect((await b.emulator.call(CTX, 'DescribeKey', { KeyId: 'alias/keep' })).KeyMetadata).toEqual(md);
  expect((await b.emulator.call(CTX, 'GetKeyRotationStatus', { KeyId: md.KeyId! })).KeyRotationEnabled).toBe(true);
  await b.emulator.close();

  await expect(
    KmsEmulator.open({
      store,
      rootKey: new Uint8Array(randomBytes(32)),
      defaultAccountId: ACCOUNT,
      schedulerIntervalMs: 0,
    }),
  ).rejects.toThrow('failed authentication');
});

test('a failed write is KMSInternalException and leaves memory as it was', async () => {
  const store = new RecordingStore();
  const h = await openHarness({ store });
  const keyId = (await h.emulator.call(CTX, 'CreateKey', {})).KeyMetadata!.KeyId!;
  store.failNext = 1;
  const err = await errorOf(() => h.emulator.call(CTX, 'CreateKey', {}));
  expect(err.awsName).toBe('KMSInternalException');
  expect(err.message).not.toContain('disk on fire');
  expect((await h.emulator.call(CTX, 'ListKeys', {})).Keys).toHaveLength(1);

  store.failNext = 1;
  await errorOf(() => h.emulator.call(CTX, 'DisableKey', { KeyId: keyId }));
  expect((await h.emulator.call(CTX, 'DescribeKey', { KeyId: keyId })).KeyMetadata?.KeyState).toBe('Enabled');

  store.failNext = 1;
  await errorOf(() => h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/x', TargetKeyId: keyId }));
  expect((await h.emulator.call(CTX, 'ListAliases', {})).Aliases).toEqual([]);
  await h.emulator.call(CTX, 'CreateAlias', { AliasName: 'alias/x', TargetKeyId: keyId });
  await h.emulator.close();
});

test('concurrent mutations are group-committed into few store writes', async () => {
  const store = new RecordingStore();
  const h = await openHarness({ store });
  const results = await Promise.all(Array.from({ length: 200 }, () => h.emulator.call(CTX, 'CreateKey', {})));
  expect(new Set(results.map((r) => r.KeyMetadata!.KeyId)).size).toBe(200);
  expect(store.applied.length).toBeLessThan(20);
  expect(store.applied.reduce((n, c) => n + (c.put?.length ?? 0), 0)).toBe(200);
  expect((await store.loadAll()).length).toBe(200);
  await h.emulator.close();
});

test('when a batch fails, it and everything queued behind it are undone and rejected', async () => {
  const store = new RecordingStore();
  const h = await openHarness({ store });
  store.failNext = 1;
  const settled = await Promise.allSettled(Array.from({ length: 20 }, () => h.emulator.call(CTX, 'CreateKey', {})));
  const ok = settled.filter((s) => s.status === 'fulfilled').length;
  const listed = (await h.emulator.call(CTX, 'ListKeys', {})).Keys!.length;
  expect(listed).toBe(ok);
  expect((await store.loadAll()).length).toBe(ok);
  expect(ok).toBeLessThan(20);
  await h.emulator.close();
});

test('open validates its options; a closed emulator refuses calls', async () => {
  const store = new InMemoryEmulatorStore();
  await expect(KmsEmulator.open({ store, rootKey: new Uint8Array(16), defaultAccountId: ACCOUNT })).rejects.toThrow(
    '32 bytes',
  );
  await expect(KmsEmulator.open({ store, rootKey: new Uint8Array(32), defaultAccountId: 'x' })).rejects.toThrow(
    '12-digit',
  );
  const h = await openHarness();
  await h.emulator.close();
  expect((await errorOf(() => h.emulator.call(CTX, 'ListKeys', {}))).message).toBe('The emulator is closed.');
});
