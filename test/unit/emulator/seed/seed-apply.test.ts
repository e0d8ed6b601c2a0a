import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAppError } from '../../../../src/errors/index.js';
import { KmsEmulator } from '../../../../src/emulator/emulator.js';
import { applyEmulatorSeed } from '../../../../src/emulator/seed/seed-apply.js';
import { parseEmulatorSeed } from '../../../../src/emulator/seed/seed-parser.js';
import type { EmulatorStore } from '../../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';

/** The fixture's ciphertexts were made by an emulator whose default account and Region are these. */
const DEFAULTS = { accountId: '123456789012', region: 'us-east-1' };
const CTX = { accountId: DEFAULTS.accountId, region: DEFAULTS.region };
const SEED_TEXT = readFileSync(new URL('../../../fixtures/emulator-seed.json', import.meta.url), 'utf8');
const SEED_JSON = JSON.parse(SEED_TEXT) as { version: 1; keys: Array<Record<string, unknown>> };
const FIXTURES = JSON.parse(
  readFileSync(new URL('../../../fixtures/emulator-seed-ciphertexts.json', import.meta.url), 'utf8'),
) as Record<string, string> & { encryptionContext: Record<string, string> };

/** The fixture's keys plus the one replica it seeds. */
const CREATED = SEED_JSON.keys.length + 1;
const seedOf = (doc: unknown = SEED_JSON) => parseEmulatorSeed(JSON.stringify(doc), DEFAULTS);
const idOf = (i: number) => SEED_JSON.keys[i]!.KeyId as string;
const openEmulator = (store: EmulatorStore, rootKey: Uint8Array) =>
  KmsEmulator.open({ store, rootKey, defaultAccountId: DEFAULTS.accountId, schedulerIntervalMs: 0 });

/** Everything in a store, comparable (secrets as base64). */
async function snapshot(store: EmulatorStore) {
  const all = await store.loadAll();
  return all
    .map((o) => ({ ...o, secret: o.secret ? Buffer.from(o.secret).toString('base64') : null }))
    .sort((a, b) =>
      `${a.kind}${a.accountId}${a.region}${a.id}`.localeCompare(`${b.kind}${b.accountId}${b.region}${b.id}`),
    );
}

async function conflictOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(err) || err.code !== 'Conflict') throw new Error(`expected a conflict, got ${String(err)}`);
  return (err.details ?? []).map((d) => `${d.field}: ${d.message}`);
}

describe('applyEmulatorSeed', () => {
  it('creates every seeded key, replica and alias, and the emulator decrypts the committed ciphertexts', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    const report = await applyEmulatorSeed({ store, rootKey, seed: seedOf() });
    expect(report.created).toHaveLength(CREATED);
    expect(report.present).toEqual([]);
    expect(report.aliasesCreated).toContain('444455556666/eu-west-1/alias/fixtures/symmetric');
    const emulator = await openEmulator(store, rootKey);
    try {
      const plain = await emulator.call(CTX, 'Decrypt', {
        CiphertextBlob: Buffer.from(FIXTURES.symmetric!, 'base64'),
        EncryptionContext: FIXTURES.encryptionContext,
      });
      expect(Buffer.from(plain.Plaintext!).toString('utf8')).toBe(FIXTURES.plaintext);
      expect(plain.KeyId).toBe(`arn:aws:kms:us-east-1:123456789012:key/${idOf(0)}`);
      // The encryption context still binds: without it the fixture does not open.
      await expect(
        emulator.call(CTX, 'Decrypt', { CiphertextBlob: Buffer.from(FIXTURES.symmetric!, 'base64') }),
      ).rejects.toMatchObject({ awsName: 'InvalidCiphertextException' });
      const md = (await emulator.call(CTX, 'DescribeKey', { KeyId: 'alias/fixtures/symmetric' })).KeyMetadata!;
      expect(md).toMatchObject({
        KeyId: idOf(0),
        Description: 'seeded symmetric key',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
      });
      const tags = await emulator.call(CTX, 'ListResourceTags', { KeyId: idOf(0) });
      expect(tags.Tags).toEqual([{ TagKey: 'team', TagValue: 'payments' }]);
      expect((await emulator.call(CTX, 'DescribeKey', { KeyId: idOf(8) })).KeyMetadata!.KeyState).toBe('PendingImport');
      expect((await emulator.call(CTX, 'DescribeKey', { KeyId: idOf(9) })).KeyMetadata!.KeyState).toBe('Disabled');
      const imported = (await emulator.call(CTX, 'DescribeKey', { KeyId: idOf(7) })).KeyMetadata!;
      expect(imported).toMatchObject({
        Origin: 'EXTERNAL',
        KeyState: 'Enabled',
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
      const other = { accountId: '444455556666', region: 'eu-west-1' };
      const otherKey = (await emulator.call(other, 'DescribeKey', { KeyId: 'alias/fixtures/symmetric' })).KeyMetadata!;
      expect(otherKey.KeyId).toBe(idOf(11));
      const policy = await emulator.call(other, 'GetKeyPolicy', { KeyId: idOf(11) });
      expect(JSON.parse(policy.Policy!)).toMatchObject({ Id: 'seeded' });
    } finally {
      await emulator.close();
    }
  });

  it('is idempotent: applying the seed again to the same store changes nothing', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    await applyEmulatorSeed({ store, rootKey, seed: seedOf() });
    const before = await snapshot(store);
    const again = await applyEmulatorSeed({ store, rootKey, seed: seedOf(), clock: () => new Date('2030-01-01') });
    expect(again.created).toEqual([]);
    expect(again.aliasesCreated).toEqual([]);
    expect(again.present).toHaveLength(CREATED);
    expect(again.drift).toEqual([]);
    expect(await snapshot(store)).toEqual(before);
  });

  it('gives the same ids, ARNs and material ids on every machine, so ciphertexts move between them', async () => {
    const a = new InMemoryEmulatorStore();
    const b = new InMemoryEmulatorStore();
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    await applyEmulatorSeed({ store: a, rootKey: keyA, seed: seedOf() });
    await applyEmulatorSeed({ store: b, rootKey: keyB, seed: seedOf() });
    const [ea, eb] = [await openEmulator(a, keyA), await openEmulator(b, keyB)];
    try {
      // Symmetric keys show their material id; HMAC and RSA keys prove theirs by the known answers below.
      for (const i of [0, 7, 10]) {
        const [ma, mb] = [
          (await ea.call(CTX, 'DescribeKey', { KeyId: idOf(i) })).KeyMetadata!,
          (await eb.call(CTX, 'DescribeKey', { KeyId: idOf(i) })).KeyMetadata!,
        ];
        expect(mb.Arn).toBe(ma.Arn);
        expect(mb.Arn).toBe(`arn:aws:kms:us-east-1:123456789012:key/${idOf(i)}`);
        expect(mb.CurrentKeyMaterialId).toBe(ma.CurrentKeyMaterialId);
        expect(ma.CurrentKeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
      }
      const mac = { KeyId: 'alias/fixtures/hmac', Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' as const };
      expect((await eb.call(CTX, 'GenerateMac', mac)).Mac).toEqual((await ea.call(CTX, 'GenerateMac', mac)).Mac);
      const ct = await ea.call(CTX, 'Encrypt', { KeyId: 'alias/fixtures/multi-region', Plaintext: Buffer.from('x') });
      const back = await eb.call({ ...CTX, region: 'us-west-2' }, 'Decrypt', {
        CiphertextBlob: ct.CiphertextBlob!,
        KeyId: `arn:aws:kms:us-west-2:123456789012:key/${idOf(10)}`,
      });
      expect(Buffer.from(back.Plaintext!).toString()).toBe('x');
    } finally {
      await ea.close();
      await eb.close();
    }
  });

  it('keeps changes made at run time and reports them as drift', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    await applyEmulatorSeed({ store, rootKey, seed: seedOf() });
    const emulator = await openEmulator(store, rootKey);
    await emulator.call(CTX, 'DisableKey', { KeyId: idOf(0) });
    await emulator.call(CTX, 'UpdateKeyDescription', { KeyId: idOf(0), Description: 'changed' });
    await emulator.call(CTX, 'TagResource', { KeyId: idOf(0), Tags: [{ TagKey: 'extra', TagValue: '1' }] });
    await emulator.close();
    const report = await applyEmulatorSeed({ store, rootKey, seed: seedOf() });
    expect(report.created).toEqual([]);
    expect(report.drift).toEqual([
      {
        arn: `arn:aws:kms:us-east-1:123456789012:key/${idOf(0)}`,
        fields: ['Description', 'KeyState (Disabled)', 'Tags'],
      },
    ]);
    const reopened = await openEmulator(store, rootKey);
    try {
      const md = (await reopened.call(CTX, 'DescribeKey', { KeyId: idOf(0) })).KeyMetadata!;
      expect(md).toMatchObject({ KeyState: 'Disabled', Description: 'changed' });
    } finally {
      await reopened.close();
    }
  });

  it('recreates what is missing: a deleted alias, and a replica added to the seed gets the primary’s material', async () => {
    const mrk = 'mrk-00112233445566778899aabbccddeeff';
    const first = { version: 1, keys: [{ KeyId: mrk, MultiRegion: true, Aliases: ['alias/mr'] }] };
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    await applyEmulatorSeed({ store, rootKey, seed: seedOf(first) });
    let emulator = await openEmulator(store, rootKey);
    const ct = await emulator.call(CTX, 'Encrypt', { KeyId: 'alias/mr', Plaintext: Buffer.from('secret') });
    await emulator.call(CTX, 'DeleteAlias', { AliasName: 'alias/mr' });
    await emulator.close();
    const second = { version: 1, keys: [{ ...first.keys[0], ReplicaRegions: ['eu-west-1'] }] };
    const report = await applyEmulatorSeed({ store, rootKey, seed: seedOf(second) });
    expect(report.created).toEqual([`arn:aws:kms:eu-west-1:123456789012:key/${mrk}`]);
    expect(report.aliasesCreated).toEqual(['123456789012/us-east-1/alias/mr']);
    emulator = await openEmulator(store, rootKey);
    try {
      const back = await emulator.call({ ...CTX, region: 'eu-west-1' }, 'Decrypt', {
        CiphertextBlob: ct.CiphertextBlob!,
        KeyId: `arn:aws:kms:eu-west-1:123456789012:key/${mrk}`,
      });
      expect(Buffer.from(back.Plaintext!).toString()).toBe('secret');
      const replica = (await emulator.call({ ...CTX, region: 'eu-west-1' }, 'DescribeKey', { KeyId: mrk }))
        .KeyMetadata!;
      expect(replica.MultiRegionConfiguration?.MultiRegionKeyType).toBe('REPLICA');
    } finally {
      await emulator.close();
    }
  });

  it('refuses a seed that contradicts the store, naming every conflict, and writes nothing', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    await applyEmulatorSeed({ store, rootKey, seed: seedOf() });
    const emulator = await openEmulator(store, rootKey);
    // alias/fixtures/hmac now points at another key (same family rules aside, UpdateAlias needs a HMAC key).
    const hmac2 = await emulator.call(CTX, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await emulator.call(CTX, 'UpdateAlias', {
      AliasName: 'alias/fixtures/hmac',
      TargetKeyId: hmac2.KeyMetadata!.KeyId!,
    });
    await emulator.close();
    const before = await snapshot(store);
    const changed = structuredClone(SEED_JSON);
    changed.keys[0]!.KeyMaterial = { Base64: randomBytes(32).toString('base64') };
    changed.keys[9]!.KeySpec = 'RSA_2048';
    changed.keys[9]!.KeyUsage = 'SIGN_VERIFY';
    changed.keys.push({ KeyId: '99999999-9999-4999-8999-999999999999', Aliases: ['alias/new'] });
    const conflicts = await conflictOf(applyEmulatorSeed({ store, rootKey, seed: seedOf(changed) }));
    expect(conflicts).toEqual([
      expect.stringMatching(/^keys\[0\]\.KeyMaterial: .* already exists with other key material/),
      expect.stringMatching(
        /^keys\[1\]\.Aliases\[0\]: alias\/fixtures\/hmac already exists in 123456789012\/us-east-1 and points at /,
      ),
      expect.stringMatching(
        /^keys\[9\]\.KeySpec: .* already exists with KeySpec SYMMETRIC_DEFAULT, the seed says RSA_2048/,
      ),
      expect.stringMatching(
        /^keys\[9\]\.KeyUsage: .* already exists with KeyUsage ENCRYPT_DECRYPT, the seed says SIGN_VERIFY/,
      ),
    ]);
    // Nothing was written, not even the new key that did not conflict.
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses a seed whose key exists as a single-Region key or with another origin', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = randomBytes(32);
    const id = '12345678-1234-4234-8234-123456789012';
    await applyEmulatorSeed({ store, rootKey, seed: seedOf({ version: 1, keys: [{ KeyId: id }] }) });
    const conflicts = await conflictOf(
      applyEmulatorSeed({ store, rootKey, seed: seedOf({ version: 1, keys: [{ KeyId: id, Origin: 'EXTERNAL' }] }) }),
    );
    expect(conflicts).toEqual([
      expect.stringMatching(/^keys\[0\]\.Origin: .* already exists with Origin AWS_KMS, the seed says EXTERNAL/),
    ]);
  });
});
