import type { Kysely } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  CustomKeyStoreChanges,
  CustomKeyStoreFilter,
  CustomKeyStoreRepository,
  NewCustomKeyStore,
} from '../../cckm/custom-key-stores/custom-key-store.repository.js';
import { NotFoundError } from '../../errors/index.js';
import { nullableJsonb, now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import { listPage } from './list-page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SORT = {
  fields: ['createdAt', 'updatedAt', 'name', 'id', 'region', 'connectionState', 'syncedAt'],
  fallback: 'createdAt',
  id: 'id',
} as const;

/** Custom key store records in table `custom_key_stores`. */
export class PostgresCustomKeyStoreRepository implements CustomKeyStoreRepository {
  constructor(private readonly db: Kysely<DB>) {}

  create(row: NewCustomKeyStore) {
    return guard(`Custom key store ${row.name}`, () =>
      this.db
        .insertInto('customKeyStores')
        .values({ ...row, localHostedParams: nullableJsonb(row.localHostedParams) ?? null, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(id: string, changes: CustomKeyStoreChanges) {
    const { localHostedParams, ...plain } = changes;
    const row = await guard('Custom key store', () =>
      this.db
        .updateTable('customKeyStores')
        .set({ ...plain, localHostedParams: nullableJsonb(localHostedParams), updatedAt: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('Custom key store not found');
    return row;
  }

  async claimCredential(id: string, accessKeyId: string, sealedSecret: Uint8Array) {
    const { numUpdatedRows } = await guard('Custom key store', () =>
      this.db
        .updateTable('customKeyStores')
        .set({ xksProxyAccessKeyId: accessKeyId, xksCredentialEnc: sealedSecret, updatedAt: now() })
        .where('id', '=', id)
        .where('linkedState', '=', false)
        .where('xksProxyAccessKeyId', 'is', null)
        .executeTakeFirst(),
    );
    return numUpdatedRows === 1n;
  }

  async beginRotation(id: string, accessKeyId: string, sealedSecret: Uint8Array) {
    const { numUpdatedRows } = await guard('Custom key store', () =>
      this.db
        .updateTable('customKeyStores')
        .set({ xksNextAccessKeyId: accessKeyId, xksNextCredentialEnc: sealedSecret, updatedAt: now() })
        .where('id', '=', id)
        .where('xksProxyAccessKeyId', 'is not', null)
        .where('xksNextAccessKeyId', 'is', null)
        .executeTakeFirst(),
    );
    return numUpdatedRows === 1n;
  }

  async completeRotation(id: string, accessKeyId: string) {
    const row = await guard('Custom key store', () =>
      this.db
        .updateTable('customKeyStores')
        .set((eb) => ({
          xksProxyAccessKeyId: eb.ref('xksNextAccessKeyId'),
          xksCredentialEnc: eb.ref('xksNextCredentialEnc'),
          xksNextAccessKeyId: null,
          xksNextCredentialEnc: null,
          xksCredentialVersion: eb('xksCredentialVersion', '+', 1),
          xksCredentialRotatedAt: now(),
          updatedAt: now(),
        }))
        .where('id', '=', id)
        .where('xksNextAccessKeyId', '=', accessKeyId)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ?? null;
  }

  async abortRotation(id: string, accessKeyId: string) {
    await guard('Custom key store', () =>
      this.db
        .updateTable('customKeyStores')
        .set({ xksNextAccessKeyId: null, xksNextCredentialEnc: null, updatedAt: now() })
        .where('id', '=', id)
        .where('xksNextAccessKeyId', '=', accessKeyId)
        .execute(),
    );
  }

  async find(account: string, id: string) {
    if (!UUID.test(id)) return null;
    return (
      (await this.db
        .selectFrom('customKeyStores')
        .selectAll()
        .where('id', '=', id)
        .where('account', '=', account)
        .executeTakeFirst()) ?? null
    );
  }

  async findById(id: string) {
    if (!UUID.test(id)) return null;
    return (await this.db.selectFrom('customKeyStores').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  list(account: string, f: CustomKeyStoreFilter, q: ListQuery) {
    const { names, kmsIds, regions, types, connectionStates } = f;
    let filtered = this.db.selectFrom('customKeyStores').where('account', '=', account);
    if (names) filtered = filtered.where('name', '=', (eb) => eb.fn.any(eb.val(names)));
    if (kmsIds) filtered = filtered.where('kmsId', '=', (eb) => eb.fn.any(eb.val(kmsIds)));
    if (regions) filtered = filtered.where('region', '=', (eb) => eb.fn.any(eb.val(regions)));
    if (types) filtered = filtered.where('type', '=', (eb) => eb.fn.any(eb.val(types)));
    if (connectionStates)
      filtered = filtered.where('connectionState', '=', (eb) => eb.fn.any(eb.val(connectionStates)));
    return listPage(filtered, q, SORT);
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('Custom key store', () =>
      this.db.deleteFrom('customKeyStores').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('Custom key store not found');
  }
}
