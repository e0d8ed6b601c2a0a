import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  ConnectionChanges,
  ConnectionFilter,
  ConnectionRepository,
  KmsAccountChanges,
  KmsAccountRepository,
  NewConnection,
  NewKmsAccount,
  NewPolicyTemplate,
  PolicyTemplateChanges,
  PolicyTemplateRepository,
} from '../../cckm/connections/connection.repository.js';
import { NotFoundError } from '../../errors/index.js';
import { jsonb, jsonbChange, nullableJsonb, now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import { countOf, listPage } from './list-page.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Named = 'connections' | 'kmsAccounts' | 'policyTemplates' | 'xksKeys';

/** "This id or this name, in this account" (a name that is no UUID cannot be an id). */
export function idOrName(account: string, value: string) {
  return (eb: ExpressionBuilder<DB, Named>) =>
    eb.and([
      eb('account', '=', account),
      UUID.test(value) ? eb.or([eb('id', '=', value), eb('name', '=', value)]) : eb('name', '=', value),
    ]);
}

const SORT = { fields: ['createdAt', 'updatedAt', 'name', 'id'], fallback: 'createdAt', id: 'id' } as const;

/** AWS connections in table `connections`. */
export class PostgresConnectionRepository implements ConnectionRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(account: string, value: string) {
    return (
      (await this.db.selectFrom('connections').selectAll().where(idOrName(account, value)).executeTakeFirst()) ?? null
    );
  }

  async findById(id: string) {
    return (await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  list(account: string, f: ConnectionFilter, q: ListQuery) {
    let filtered = this.db.selectFrom('connections').where('account', '=', account);
    if (f.name) filtered = filtered.where('name', '=', f.name);
    if (f.provider) filtered = filtered.where('provider', '=', f.provider);
    if (f.cloudName) filtered = filtered.where('cloudName', '=', f.cloudName);
    return listPage(filtered, q, SORT);
  }

  create(c: NewConnection) {
    return guard(`Connection ${c.name}`, () =>
      this.db
        .insertInto('connections')
        .values({ ...c, labels: jsonb(c.labels), meta: jsonb(c.meta), updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(id: string, changes: ConnectionChanges) {
    const { labels, meta, ...plain } = changes;
    const row = await guard('Connection', () =>
      this.db
        .updateTable('connections')
        .set({ ...plain, labels: jsonbChange(labels), meta: jsonbChange(meta), updatedAt: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('Connection not found');
    return row;
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('Connection', () =>
      this.db.deleteFrom('connections').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('Connection not found');
  }

  countKmsAccounts(connectionId: string) {
    return countOf(this.db.selectFrom('kmsAccounts').where('connectionId', '=', connectionId));
  }
}

/** KMS accounts in table `kms_accounts`. */
export class PostgresKmsAccountRepository implements KmsAccountRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(account: string, value: string) {
    return (
      (await this.db.selectFrom('kmsAccounts').selectAll().where(idOrName(account, value)).executeTakeFirst()) ?? null
    );
  }

  async findById(id: string) {
    return (await this.db.selectFrom('kmsAccounts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async findMany(ids: string[]) {
    if (!ids.length) return [];
    return this.db.selectFrom('kmsAccounts').selectAll().where('id', 'in', ids).execute();
  }

  list(account: string, f: { name?: string; awsAccountId?: string; ids?: string[] }, q: ListQuery) {
    let filtered = this.db.selectFrom('kmsAccounts').where('account', '=', account);
    if (f.ids) filtered = filtered.where('id', '=', (eb) => eb.fn.any(eb.val(f.ids!)));
    if (f.name) filtered = filtered.where('name', '=', f.name);
    if (f.awsAccountId) filtered = filtered.where('awsAccountId', '=', f.awsAccountId);
    return listPage(filtered, q, SORT);
  }

  create(k: NewKmsAccount) {
    return guard(`KMS account ${k.name}`, () =>
      this.db
        .insertInto('kmsAccounts')
        .values({ ...k, acls: jsonb(k.acls ?? []), updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(id: string, changes: KmsAccountChanges) {
    const row = await guard('KMS account', () =>
      this.db
        .updateTable('kmsAccounts')
        .set({ ...changes, updatedAt: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('KMS account not found');
    return row;
  }

  async setAcls(id: string, expected: unknown, acls: unknown) {
    const row = await this.db
      .updateTable('kmsAccounts')
      .set({ acls: jsonb(acls), updatedAt: now() })
      .where('id', '=', id)
      .where('acls', '=', sql<unknown>`${jsonb(expected)}::jsonb`)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('KMS account', () =>
      this.db.deleteFrom('kmsAccounts').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('KMS account not found');
  }

  async countReferences(kmsId: string) {
    const [keys, templates] = await Promise.all([
      countOf(this.db.selectFrom('awsKeys').where('kmsId', '=', kmsId)),
      countOf(this.db.selectFrom('policyTemplates').where('kmsId', '=', kmsId)),
    ]);
    return { keys, templates };
  }
}

/** Policy templates in table `policy_templates`. */
export class PostgresPolicyTemplateRepository implements PolicyTemplateRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(account: string, value: string) {
    return (
      (await this.db.selectFrom('policyTemplates').selectAll().where(idOrName(account, value)).executeTakeFirst()) ??
      null
    );
  }

  list(account: string, f: { name?: string; kmsId?: string }, q: ListQuery) {
    let filtered = this.db.selectFrom('policyTemplates').where('account', '=', account);
    if (f.name) filtered = filtered.where('name', '=', f.name);
    if (f.kmsId) filtered = filtered.where('kmsId', '=', f.kmsId);
    return listPage(filtered, q, SORT);
  }

  create(t: NewPolicyTemplate) {
    return guard(`Policy template ${t.name}`, () =>
      this.db
        .insertInto('policyTemplates')
        .values({ ...t, policy: nullableJsonb(t.policy) ?? null, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(id: string, changes: PolicyTemplateChanges) {
    const { policy, ...plain } = changes;
    const row = await guard('Policy template', () =>
      this.db
        .updateTable('policyTemplates')
        .set({ ...plain, policy: nullableJsonb(policy), updatedAt: now() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('Policy template not found');
    return row;
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('Policy template', () =>
      this.db.deleteFrom('policyTemplates').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('Policy template not found');
  }

  countKeys(templateId: string) {
    return countOf(this.db.selectFrom('awsKeys').where('policyTemplateId', '=', templateId));
  }
}
