import type { Kysely } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type { NewXksKey, XksKeyFilter, XksKeyRepository, XksKeyRow } from '../../cckm/xks/xks-key.repository.js';
import { now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import { listPage } from './list-page.js';
import { idOrName } from './postgres-connection.repository.js';

const SORT = { fields: ['createdAt', 'updatedAt', 'name', 'id'], fallback: 'createdAt', id: 'id' } as const;

/** XKS proxy keys in table `xks_keys`; every query is filtered by account. */
export class PostgresXksKeyRepository implements XksKeyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  find(account: string, value: string): Promise<XksKeyRow | null> {
    return guard(
      'XKS key',
      async () =>
        (await this.db.selectFrom('xksKeys').selectAll().where(idOrName(account, value)).executeTakeFirst()) ?? null,
    );
  }

  list(account: string, f: XksKeyFilter, q: ListQuery): Promise<{ total: number; rows: XksKeyRow[] }> {
    let filtered = this.db.selectFrom('xksKeys').where('account', '=', account);
    if (f.name !== undefined) filtered = filtered.where('name', '=', f.name);
    if (f.enabled !== undefined) filtered = filtered.where('enabled', '=', f.enabled);
    return guard('XKS key', () => listPage(filtered, q, SORT));
  }

  create(k: NewXksKey): Promise<XksKeyRow> {
    return guard(`XKS key ${k.name ?? k.id}`, () =>
      this.db
        .insertInto('xksKeys')
        .values({ ...k, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  setEnabled(account: string, id: string, enabled: boolean): Promise<XksKeyRow | null> {
    return guard('XKS key', async () => {
      const row = await this.db
        .updateTable('xksKeys')
        .set({ enabled, updatedAt: now() })
        .where('id', '=', id)
        .where('account', '=', account)
        .returningAll()
        .executeTakeFirst();
      return row ?? null;
    });
  }

  delete(account: string, id: string): Promise<boolean> {
    return guard('XKS key', async () => {
      const { numDeletedRows } = await this.db
        .deleteFrom('xksKeys')
        .where('id', '=', id)
        .where('account', '=', account)
        .executeTakeFirst();
      return numDeletedRows > 0n;
    });
  }
}
