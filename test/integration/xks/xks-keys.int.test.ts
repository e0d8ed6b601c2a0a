/**
 * The XKS proxy's source keys over a real database: material sealed at rest, scoped to
 * the account, and the full path KMS uses (HttpXksClient → proxy over HTTP → XksKeyService
 * → PostgreSQL), including that a deleted key's ciphertexts can no longer be decrypted.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../../src/auth/principal.js';
import { SecretBox } from '../../../src/auth/secret-box.js';
import type { HyokSourceKeys } from '../../../src/cckm/custom-key-stores/store-actions.service.js';
import { XksKeyService } from '../../../src/cckm/xks/xks-key.service.js';
import type { Database } from '../../../src/db/database.js';
import { PostgresXksKeyRepository } from '../../../src/db/repositories/postgres-xks-key.repository.js';
import {
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  ValidationError,
} from '../../../src/errors/index.js';
import { HttpXksClient } from '../../../src/xks/client.js';
import {
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../src/xks/standalone-proxy.js';
import { XksCallError, type XksProxyTarget } from '../../../src/xks/xks-types.js';
import { createTestDatabase } from '../../support/test-db.js';

const alice: Principal = { userId: 'u1', username: 'alice', account: 'acct-a', groups: ['admin'] };
const bob: Principal = { userId: 'u2', username: 'bob', account: 'acct-b', groups: ['admin'] };
const reader: Principal = { userId: 'u3', username: 'rita', account: 'acct-a', groups: ['cckm_users'] };
const CRED = { accessKeyId: 'ABCDEFGHIJKLMNOPQRST', secretAccessKey: 'q'.repeat(44) };
const MD = { awsPrincipalArn: 'arn:aws:iam::111122223333:root', kmsOperation: 'Decrypt', kmsRequestId: 'r-1' };
const q = { skip: 0, limit: 10 };

describe('XksKeyService over PostgreSQL', () => {
  let db: Database;
  let service: XksKeyService;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    db = await createTestDatabase('xks_keys');
    service = new XksKeyService(new PostgresXksKeyRepository(db.db), new SecretBox(masterKey));
  });
  afterAll(() => db.close());

  it('never stores the material in plaintext and never returns it', async () => {
    const key = await service.create(alice, { name: 'sealed-check' });
    expect(key).toMatchObject({ account: 'acct-a', name: 'sealed-check', enabled: true, createdBy: 'alice' });
    expect(key).not.toHaveProperty('sealedMaterial');
    const material = Buffer.from((await service.getXksKey('acct-a', key.id))!.material);
    expect(material).toHaveLength(32);
    const row = await db.db
      .selectFrom('xksKeys')
      .select('sealedMaterial')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    const sealed = Buffer.from(row.sealedMaterial);
    expect(sealed.includes(material)).toBe(false);
    expect(sealed.includes(Buffer.from(material.toString('base64')))).toBe(false);
    expect(sealed.includes(Buffer.from(material.toString('hex')))).toBe(false);
    // The proxy finds a key by name as well as by id.
    expect(Buffer.from((await service.getXksKey('acct-a', 'sealed-check'))!.material).equals(material)).toBe(true);
  });

  it('keeps keys within their account', async () => {
    const key = await service.create(alice, {});
    await expect(service.get(bob, key.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.setEnabled(bob, key.id, false)).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.delete(bob, key.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await service.getXksKey('acct-b', key.id)).toBeUndefined();
    expect((await service.list(bob, {}, q)).resources.map((k) => k.id)).not.toContain(key.id);
    expect((await service.list(alice, {}, { skip: 0, limit: 100 })).resources.map((k) => k.id)).toContain(key.id);
    expect((await service.get(alice, key.id)).enabled).toBe(true);
  });

  it('refuses material moved to another row (the seal is bound to account and id)', async () => {
    const a = await service.create(alice, {});
    const b = await service.create(alice, {});
    await db.db
      .updateTable('xksKeys')
      .set((eb) => ({ sealedMaterial: eb.selectFrom('xksKeys').select('sealedMaterial').where('id', '=', a.id) }))
      .where('id', '=', b.id)
      .execute();
    await expect(service.getXksKey('acct-a', b.id)).rejects.toBeInstanceOf(InternalError);
    const other = new XksKeyService(new PostgresXksKeyRepository(db.db), new SecretBox(randomBytes(32)));
    await expect(other.getXksKey('acct-a', a.id)).rejects.toBeInstanceOf(InternalError);
  });

  it('validates names, refuses duplicates, and needs write rights to change keys', async () => {
    await service.create(alice, { name: 'dup' });
    await expect(service.create(alice, { name: 'dup' })).rejects.toBeInstanceOf(ConflictError);
    expect((await service.create(bob, { name: 'dup' })).account).toBe('acct-b');
    await expect(service.create(alice, { name: 'has space' })).rejects.toThrow(ValidationError);
    await expect(service.create(alice, { name: 'x'.repeat(129) })).rejects.toThrow(/name/);
    await expect(service.create(alice, { name: '6f1e2d3c-0000-4000-8000-000000000000' })).rejects.toThrow(/UUID/);
    await expect(service.create(reader, {})).rejects.toBeInstanceOf(ForbiddenError);
    const key = await service.create(alice, {});
    await expect(service.setEnabled(reader, key.id, false)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.delete(reader, key.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await service.get(reader, key.id)).id).toBe(key.id);
  });

  it('provides source keys for create-hyok-key: an existing enabled key, or a new one', async () => {
    const sourceKeys: HyokSourceKeys = service;
    const fresh = await sourceKeys.ensureSourceKey('acct-a', undefined);
    expect(await service.get(alice, fresh)).toMatchObject({
      id: fresh,
      account: 'acct-a',
      name: null,
      enabled: true,
      createdBy: null,
    });
    const named = await service.create(alice, { name: 'hyok-source' });
    expect(await sourceKeys.ensureSourceKey('acct-a', 'hyok-source')).toBe(named.id);
    expect(await sourceKeys.ensureSourceKey('acct-a', named.id)).toBe(named.id);
    await expect(sourceKeys.ensureSourceKey('acct-b', named.id)).rejects.toThrow(/local_hosted_params.source_key_id/);
    await service.setEnabled(alice, named.id, false);
    await expect(sourceKeys.ensureSourceKey('acct-a', named.id)).rejects.toThrow(/disabled/);
  });

  describe('through the proxy over HTTP', () => {
    let proxy: StandaloneXksProxy;
    let client: HttpXksClient;
    const stores = new InMemoryXksStores();
    const target: XksProxyTarget = {
      uriEndpoint: 'https://xks.example.com',
      uriPath: '/store-a/kms/xks/v1',
      credential: CRED,
      region: 'eu-west-1',
    };

    beforeAll(async () => {
      stores.put('store-a', { region: 'eu-west-1', credentials: [CRED], blocked: false, ownerAccount: 'acct-a' });
      proxy = await startStandaloneXksProxy({ stores, vault: service });
      client = new HttpXksClient({ resolveBaseUrl: () => proxy.baseUrl });
    });
    afterAll(() => proxy.close());

    const failure = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(err instanceof XksCallError)) throw new Error(`expected an XksCallError, got ${String(err)}`);
      return err.failure;
    };

    it('encrypts and decrypts with a stored key; disabling refuses use, enabling restores it', async () => {
      const key = await service.create(alice, { name: 'proxy-key' });
      const aad = Buffer.from('arn:aws:kms:eu-west-1:111122223333:key/abc');
      const enc = await client.encrypt(
        target,
        'proxy-key',
        { plaintext: Buffer.from('data key bytes'), additionalAuthenticatedData: aad },
        MD,
      );
      expect(
        Buffer.from(await client.decrypt(target, key.id, { ...enc, additionalAuthenticatedData: aad }, MD)).toString(),
      ).toBe('data key bytes');
      await service.setEnabled(alice, key.id, false);
      expect((await client.getKeyMetadata(target, key.id, MD)).keyStatus).toBe('DISABLED');
      expect(
        await failure(client.decrypt(target, key.id, { ...enc, additionalAuthenticatedData: aad }, MD)),
      ).toMatchObject({ errorName: 'InvalidStateException' });
      await service.setEnabled(alice, key.id, true);
      expect(
        Buffer.from(await client.decrypt(target, key.id, { ...enc, additionalAuthenticatedData: aad }, MD)).toString(),
      ).toBe('data key bytes');
    });

    it('cannot decrypt a ciphertext once the proxy key is deleted, even if a key of the same name is created again', async () => {
      const key = await service.create(alice, { name: 'doomed' });
      const enc = await client.encrypt(target, 'doomed', { plaintext: Buffer.from('secret') }, MD);
      await service.delete(alice, key.id);
      expect(await failure(client.decrypt(target, key.id, enc, MD))).toMatchObject({
        kind: 'proxy-error',
        errorName: 'KeyNotFoundException',
        httpStatus: 404,
      });
      expect(await failure(client.decrypt(target, 'doomed', enc, MD))).toMatchObject({
        errorName: 'KeyNotFoundException',
      });
      await service.create(alice, { name: 'doomed' });
      expect(await failure(client.decrypt(target, 'doomed', enc, MD))).toMatchObject({
        errorName: 'InvalidCiphertextException',
      });
    });

    it("does not serve another account's keys through a store", async () => {
      const theirs = await service.create(bob, { name: 'bobs-key' });
      expect(await failure(client.getKeyMetadata(target, theirs.id, MD))).toMatchObject({
        errorName: 'KeyNotFoundException',
      });
    });
  });
});
