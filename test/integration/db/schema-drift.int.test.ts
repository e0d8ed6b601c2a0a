/**
 * The SQL migrations are written by hand (no migration engine offline), so this test is what
 * keeps them and `prisma/schema.prisma` describing the same database: every table, column,
 * type, nullability, database default, primary key, unique index, index and foreign key.
 */
import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../src/db/database.js';
import internals from '@prisma/internals';
import { parsePrismaSchema } from '../../support/prisma-schema.js';
import { diffSchema, readActualSchema } from '../../support/schema-drift.js';
import { createTestDatabase } from '../../support/test-db.js';

const schemaText = readFileSync(fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url)), 'utf8');

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase('schema_drift');
});
afterAll(() => db?.close());

test('the migrated database matches schema.prisma exactly', async () => {
  expect(diffSchema(parsePrismaSchema(schemaText), await readActualSchema(db.db))).toEqual([]);
});

test('the schema parser sees the same models, tables, scalar fields and columns as Prisma itself', async () => {
  const parsed = parsePrismaSchema(schemaText);
  const { datamodel } = await internals.getDMMF({ datamodel: schemaText });
  const prisma = datamodel.models.map((m) => ({
    model: m.name,
    table: m.dbName ?? m.name,
    columns: m.fields
      .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
      .map((f) => [f.name, f.dbName ?? f.name])
      .sort(),
  }));
  const ours = parsed.map((t) => ({ model: t.model, table: t.name, columns: [...t.fieldColumns].sort() }));
  expect(ours.sort((a, b) => a.model.localeCompare(b.model))).toEqual(
    prisma.sort((a, b) => a.model.localeCompare(b.model)),
  );
});

describe('the drift check itself', () => {
  const addToModel = (model: string, line: string) =>
    schemaText.replace(new RegExp(`(model ${model} \\{\\n)`), `$1  ${line}\n`);

  test('fails when schema.prisma gains a column no migration creates', async () => {
    const diff = diffSchema(
      parsePrismaSchema(addToModel('User', 'nickname String? @map("nick_name")')),
      await readActualSchema(db.db),
    );
    expect(diff).toEqual(['column users.nick_name (model User) is in schema.prisma but no migration creates it']);
  });

  test('fails when a migration creates a column schema.prisma lacks', async () => {
    await sql.raw('ALTER TABLE "users" ADD COLUMN "nick_name" TEXT').execute(db.db);
    try {
      const diff = diffSchema(parsePrismaSchema(schemaText), await readActualSchema(db.db));
      expect(diff).toEqual(['column users.nick_name exists in the database but not in schema.prisma']);
    } finally {
      await sql.raw('ALTER TABLE "users" DROP COLUMN "nick_name"').execute(db.db);
    }
  });

  test('fails on a type, nullability, default, unique or foreign-key mismatch', async () => {
    const changed = schemaText
      .replace(/(model User \{[^}]*?)\n {2}email(\s+)String\?/, '$1\n  email$2String')
      .replace(/(model Group \{[^}]*?)\n {2}description(\s+)String\?/, '$1\n  description$2Int?')
      .replace('@@unique([account, name])\n  @@map("groups")', '@@map("groups")')
      .replace('onDelete: Cascade', 'onDelete: Restrict')
      .replace(/rotationStatus(\s+)String(\s+)@default\(""\)/, 'rotationStatus$1String$2');
    const diff = diffSchema(parsePrismaSchema(changed), await readActualSchema(db.db));
    expect(diff).toEqual([
      'column aws_keys.rotation_status: has a DEFAULT in the database, no database default in schema.prisma',
      'column groups.description: type text in the database, int4 in schema.prisma',
      'column users.email: NULL in the database, required in schema.prisma',
      'foreign key refresh_tokens(user_id) -> users(id) on delete Cascade exists in the database but not in schema.prisma',
      'foreign key refresh_tokens(user_id) -> users(id) on delete Restrict is in schema.prisma but not in the database',
      'unique index groups(account,name) exists in the database but not in schema.prisma',
    ]);
  });

  test('refuses schema constructs the parser does not know instead of skipping them', () => {
    expect(() => parsePrismaSchema(addToModel('User', 'ip String @db.Cidr'))).toThrow(/unknown native type @db.Cidr/);
  });
});
