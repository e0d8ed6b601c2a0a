import type { Kysely } from 'kysely';
import type { IdempotencyRepository, IdempotencyRow } from '../../cckm/idempotency/idempotency.service.js';
import { jsonb } from '../columns.js';
import type { DB } from '../database.js';

/** Responses remembered per `Idempotency-Key`, in table `idempotency_keys`. */
export class PostgresIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async claim(row: {
    account: string;
    key: string;
    userId: string;
    requestHash: string;
    expiresAt: Date;
  }): Promise<'claimed' | IdempotencyRow> {
    // Expired keys are dropped first, so a key can be reused after its retention.
    await this.db
      .deleteFrom('idempotencyKeys')
      .where('account', '=', row.account)
      .where('key', '=', row.key)
      .where('expiresAt', '<', new Date())
      .execute();
    const inserted = await this.db
      .insertInto('idempotencyKeys')
      .values({ ...row, state: 'pending' })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 1n) return 'claimed';
    const existing = await this.db
      .selectFrom('idempotencyKeys')
      .select(['userId', 'requestHash', 'state', 'statusCode', 'response', 'expiresAt'])
      .where('account', '=', row.account)
      .where('key', '=', row.key)
      .executeTakeFirst();
    return existing ?? this.claim(row);
  }

  async complete(account: string, key: string, statusCode: number, response: unknown, resourceId: string | null) {
    await this.db
      .updateTable('idempotencyKeys')
      .set({ state: 'done', statusCode, response: jsonb(response), resourceId })
      .where('account', '=', account)
      .where('key', '=', key)
      .execute();
  }

  async release(account: string, key: string) {
    await this.db
      .deleteFrom('idempotencyKeys')
      .where('account', '=', account)
      .where('key', '=', key)
      .where('state', '=', 'pending')
      .execute();
  }
}
