/**
 * CompiledOnce: a statement built and compiled once runs with each call's own values, through
 * the same plugins (column names) as a statement Kysely compiles per call, and refuses at
 * construction a shape whose arguments do not each become exactly one bind parameter.
 */
import { sql } from 'kysely';
import { CompiledOnce } from '../../../src/db/compiled-once.js';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../../support/test-db.js';

let target: TestDatabaseTarget;
let database: Database;
beforeAll(async () => {
  target = await provisionTestDatabase('compiled_once');
  database = await openDatabase({ ...(target.url ? { url: target.url } : {}), dataDir: target.dataDir });
  for (const [id, account, username] of [
    ['0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001', 'acc-a', 'alice'],
    ['0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002', 'acc-b', 'bob'],
  ]) {
    await database.db
      .insertInto('users')
      .values({
        id: id!,
        account: account!,
        username: username!,
        passwordHash: 'h',
        groups: ['admin'],
        updatedAt: new Date(),
      })
      .execute();
  }
});
afterAll(async () => {
  await database?.close();
  await target?.drop();
});

const byAccountAndId = (db: Database['db']) =>
  new CompiledOnce(db, 2, (account: string, id: string) =>
    db
      .selectFrom('users')
      .select(['id', 'username', 'passwordHash'])
      .where('id', '=', id)
      .where('account', '=', account),
  );

test('each run binds its own values and maps columns like any Kysely query', async () => {
  const find = byAccountAndId(database.db);
  expect(await find.execute('acc-a', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001')).toEqual([
    { id: '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001', username: 'alice', passwordHash: 'h' },
  ]);
  expect(await find.execute('acc-b', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002')).toEqual([
    { id: '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002', username: 'bob', passwordHash: 'h' },
  ]);
});

test('arguments keep their places: another account never matches (tenancy of the compiled read)', async () => {
  const find = byAccountAndId(database.db);
  expect(await find.execute('acc-b', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001')).toEqual([]);
  expect(await find.execute('acc-a', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002')).toEqual([]);
});

test('constants of the shape stay bound as they were compiled', async () => {
  const db = database.db;
  const find = new CompiledOnce(db, 1, (account: string) =>
    db.selectFrom('users').select('username').where('account', '=', account).where('username', '=', 'alice'),
  );
  expect(await find.execute('acc-a')).toEqual([{ username: 'alice' }]);
  expect(await find.execute('acc-b')).toEqual([]);
});

test('an argument used twice fills both places', async () => {
  const db = database.db;
  const sameNameAndAccount = new CompiledOnce(db, 1, (value: string) =>
    db.selectFrom('users').select('username').where('account', '=', value).where('username', '=', value),
  );
  expect(await sameNameAndAccount.execute('acc-a')).toEqual([]);
  await db
    .insertInto('users')
    .values({
      id: '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0009',
      account: 'same',
      username: 'same',
      passwordHash: 'h',
      groups: [],
      updatedAt: new Date(),
    })
    .execute();
  expect(await sameNameAndAccount.execute('same')).toEqual([{ username: 'same' }]);
  await db.deleteFrom('users').where('id', '=', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0009').execute();
});

test('a shape that drops or inlines an argument is refused when built', () => {
  const db = database.db;
  expect(
    () =>
      new CompiledOnce(db, 2, (account: string, _id: string) =>
        db.selectFrom('users').selectAll().where('account', '=', account),
      ),
  ).toThrow('argument 1 must be a bind parameter');
  expect(
    () =>
      new CompiledOnce(db, 1, (account: string) =>
        db.selectFrom('users').selectAll().where(sql.lit(account), '=', 'x'),
      ),
  ).toThrow('inlined into the SQL');
});

test('on PostgreSQL the statement is prepared once per connection under its name, and other statements are not', async () => {
  if (target.kind !== 'postgres') return; // PGlite's dialect prepares every statement itself
  const one = await openDatabase({ url: target.url!, dataDir: target.dataDir, poolSize: 1 });
  try {
    const find = byAccountAndId(one.db);
    const prepared = async () =>
      (
        await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(
          one.db,
        )
      ).rows;
    expect(await prepared()).toEqual([]);
    for (const [account, id] of [
      ['acc-a', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001'],
      ['acc-b', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0001'],
      ['acc-b', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002'],
    ] as const) {
      await find.execute(account, id);
    }
    // A statement built with prepared: false stays unnamed.
    const unnamed = new CompiledOnce(
      one.db,
      1,
      (account: string) => one.db.selectFrom('users').select('id').where('account', '=', account),
      { prepared: false },
    );
    await unnamed.execute('acc-a');
    const after = await prepared();
    expect(after).toHaveLength(1);
    expect(after[0]!.name).toMatch(/^cckm_[0-9a-f]{32}$/);
    expect(after[0]!.statement).toContain('from "users"');
    // The same values read through a fresh statement agree with the prepared one.
    expect(await find.execute('acc-b', '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002')).toEqual([
      { id: '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0002', username: 'bob', passwordHash: 'h' },
    ]);
  } finally {
    await one.close();
  }
});

test('a column added under a prepared statement (a rolling upgrade) does not break the read', async () => {
  if (target.kind !== 'postgres') return;
  const own = await provisionTestDatabase('compiled_once_migrated');
  const one = await openDatabase({ url: own.url!, dataDir: own.dataDir, poolSize: 1 });
  try {
    await one.db
      .insertInto('users')
      .values({
        id: '0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0003',
        account: 'acc-c',
        username: 'carol',
        passwordHash: 'h',
        groups: [],
        updatedAt: new Date(),
      })
      .execute();
    const find = new CompiledOnce(one.db, 1, (id: string) =>
      one.db.selectFrom('users').selectAll().where('id', '=', id),
    );
    expect(await find.execute('0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0003')).toEqual([
      expect.objectContaining({ username: 'carol' }),
    ]);
    // Another instance's migration, seen by this connection's prepared statement.
    await sql`ALTER TABLE users ADD COLUMN added_later integer NOT NULL DEFAULT 7`.execute(one.db);
    for (let i = 0; i < 2; i++) {
      expect(await find.execute('0d7c6a52-3c58-4c0f-8a55-5b1f4d1b0003')).toEqual([
        expect.objectContaining({ username: 'carol', addedLater: 7 }),
      ]);
    }
  } finally {
    await one.close();
    await own.drop();
  }
});
