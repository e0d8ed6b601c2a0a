import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ListQuery } from '../../cckm/common/list.js';
import type {
  GroupRepository,
  LoginFailureRepository,
  NewUser,
  UserChanges,
  UserRepository,
} from '../../cckm/users/user.repository.js';
import { NotFoundError } from '../../errors/index.js';
import { ago, now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';
import { countOf, listPage } from './list-page.js';

const USER_SORT = {
  fields: ['createdAt', 'updatedAt', 'username', 'name', 'id'],
  fallback: 'createdAt',
  id: 'id',
} as const;
const GROUP_SORT = { fields: ['name', 'createdAt', 'updatedAt', 'id'], fallback: 'name', id: 'id' } as const;

/** Users and their refresh tokens, in tables `users` and `refresh_tokens`. */
export class PostgresUserRepository implements UserRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async anyUser() {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async findByUsername(account: string, username: string) {
    return (
      (await this.db
        .selectFrom('users')
        .selectAll()
        .where('account', '=', account)
        .where('username', '=', username)
        .executeTakeFirst()) ?? null
    );
  }

  findAllByUsername(username: string, limit: number) {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .orderBy('account')
      .limit(limit)
      .execute();
  }

  async findById(id: string) {
    return (await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** What verifying an access token needs of its user (one primary-key read). */
  async findState(id: string) {
    const row = await this.db
      .selectFrom('users')
      .select(['account', 'username', 'groups', 'disabled', 'tokenVersion'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  list(account: string, filter: { username?: string; group?: string }, q: ListQuery) {
    let filtered = this.db.selectFrom('users').where('account', '=', account);
    if (filter.username) filtered = filtered.where('username', '=', filter.username);
    const group = filter.group;
    if (group) filtered = filtered.where((eb) => eb('groups', '@>', eb.val([group])));
    return listPage(filtered, q, USER_SORT);
  }

  create(user: NewUser) {
    return guard('User', () =>
      this.db
        .insertInto('users')
        .values({ ...user, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async update(id: string, changes: UserChanges) {
    const { bumpTokenVersion, ...plain } = changes;
    const row = await guard('User', () =>
      this.db
        .updateTable('users')
        .set((eb) => ({
          ...plain,
          ...(bumpTokenVersion ? { tokenVersion: eb('tokenVersion', '+', 1) } : {}),
          updatedAt: now(),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new NotFoundError('User not found');
    return row;
  }

  async bumpTokenVersion(id: string) {
    await this.db
      .updateTable('users')
      .set((eb) => ({ tokenVersion: eb('tokenVersion', '+', 1), updatedAt: now() }))
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string) {
    const { numDeletedRows } = await guard('User', () =>
      this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('User not found');
  }

  countInGroup(account: string, group: string) {
    return countOf(
      this.db
        .selectFrom('users')
        .where('account', '=', account)
        .where((eb) => eb('groups', '@>', eb.val([group]))),
    );
  }

  async createRefreshToken(row: { id: string; userId: string; tokenHash: string; expiresAt: Date }) {
    await this.db.insertInto('refreshTokens').values(row).execute();
  }

  async findRefreshToken(tokenHash: string) {
    const row = await this.db
      .selectFrom('refreshTokens')
      .select(['id', 'userId', 'expiresAt', 'revokedAt'])
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst();
    return row ?? null;
  }

  async revokeRefreshToken(id: string) {
    const { numUpdatedRows } = await this.db
      .updateTable('refreshTokens')
      .set({ revokedAt: new Date() })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return numUpdatedRows === 1n;
  }

  async revokeRefreshTokens(userId: string) {
    await this.db
      .updateTable('refreshTokens')
      .set({ revokedAt: new Date() })
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .execute();
  }
}

/** Groups in table `groups`. */
export class PostgresGroupRepository implements GroupRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async ensureBuiltIns(account: string, groups: readonly { name: string; description: string }[]) {
    if (!groups.length) return;
    await this.db
      .insertInto('groups')
      .values(
        groups.map((g) => ({
          id: randomUUID(),
          account,
          name: g.name,
          description: g.description,
          builtIn: true,
          updatedAt: now(),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  list(account: string, q: ListQuery) {
    return listPage(this.db.selectFrom('groups').where('account', '=', account), q, GROUP_SORT);
  }

  async find(account: string, name: string) {
    return (
      (await this.db
        .selectFrom('groups')
        .selectAll()
        .where('account', '=', account)
        .where('name', '=', name)
        .executeTakeFirst()) ?? null
    );
  }

  create(group: { id: string; account: string; name: string; description: string | null }) {
    return guard('Group', () =>
      this.db
        .insertInto('groups')
        .values({ ...group, updatedAt: now() })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  async delete(account: string, name: string) {
    const { numDeletedRows } = await guard('Group', () =>
      this.db.deleteFrom('groups').where('account', '=', account).where('name', '=', name).executeTakeFirst(),
    );
    if (numDeletedRows === 0n) throw new NotFoundError('Group not found');
  }
}

/** Failed logins per (account, username) in table `login_failures`, shared by every instance. */
export class PostgresLoginFailureRepository implements LoginFailureRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async lockedUntil(account: string, username: string) {
    const row = await this.db
      .selectFrom('loginFailures')
      .select('lockedUntil')
      .where('account', '=', account)
      .where('username', '=', username)
      .executeTakeFirst();
    return row?.lockedUntil && row.lockedUntil.getTime() > Date.now() ? row.lockedUntil : null;
  }

  /** One atomic upsert, so concurrent failures on several instances are all counted. */
  async recordFailure(account: string, username: string, maxFailures: number, lockMs: number) {
    const row = await this.db
      .insertInto('loginFailures')
      .values({ account, username, failures: 1, updatedAt: now() })
      .onConflict((oc) =>
        oc.columns(['account', 'username']).doUpdateSet((eb) => {
          const reached = eb(eb('loginFailures.failures', '+', 1), '>=', maxFailures);
          return {
            failures: eb
              .case()
              .when(reached)
              .then(0)
              .else(eb('loginFailures.failures', '+', 1))
              .end(),
            lockedUntil: eb
              .case()
              .when(reached)
              .then(sql<Date>`now() + make_interval(secs => ${lockMs / 1000})`)
              .else(eb.ref('loginFailures.lockedUntil'))
              .end(),
            updatedAt: now(),
          };
        }),
      )
      .returning((eb) => [
        'lockedUntil',
        eb.and([eb('failures', '=', 0), eb('lockedUntil', '>', now())]).as('lockedNow'),
      ])
      .executeTakeFirst();
    return row?.lockedNow && row.lockedUntil ? row.lockedUntil : null;
  }

  async clear(account: string, username: string) {
    await this.db.deleteFrom('loginFailures').where('account', '=', account).where('username', '=', username).execute();
  }

  async prune(olderThanMs: number, batch: number) {
    const { numDeletedRows } = await this.db
      .deleteFrom('loginFailures')
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('account', 'username'),
          'in',
          selectFrom('loginFailures')
            .select(['account', 'username'])
            .where((w) => w.or([w('lockedUntil', 'is', null), w('lockedUntil', '<', now())]))
            .where('updatedAt', '<', ago(olderThanMs))
            .limit(batch)
            .$asTuple('account', 'username'),
        ),
      )
      .executeTakeFirst();
    return Number(numDeletedRows);
  }
}
