/**
 * The SQL migrations are written by hand (no migration engine offline), so this test is what
 * keeps them and `prisma/schema.prisma` describing the same database: every table, column,
 * type, nullability, database default, primary key, unique index, index and foreign key.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../src/db/database.js';
import { Prisma } from '../../../src/db/generated/client.js';
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
  expect(diffSchema(parsePrismaSchema(schemaText), await readActualSchema(db.sql))).toEqual([]);
});

test('the schema parser sees the same models and scalar fields as the generated Prisma client', () => {
  const parsed = parsePrismaSchema(schemaText);
  expect(parsed.map((t) => t.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
  const enums = Prisma as unknown as Record<string, Record<string, string> | undefined>;
  for (const t of parsed) {
    const fields = enums[`${t.model}ScalarFieldEnum`];
    expect({ model: t.model, fields: [...t.fieldColumns.keys()].sort() }).toEqual({
      model: t.model,
      fields: Object.values(fields ?? {}).sort(),
    });
  }
});

describe('the drift check itself', () => {
  const addToModel = (model: string, line: string) => schemaText.replace(new RegExp(`(model ${model} \\{\\n)`), `$1  ${line}\n`);

  test('fails when schema.prisma gains a column no migration creates', async () => {
    const diff = diffSchema(parsePrismaSchema(addToModel('User', 'nickname String? @map("nick_name")')), await readActualSchema(db.sql));
    expect(diff).toEqual(['column users.nick_name (model User) is in schema.prisma but no migration creates it']);
  });

  test('fails when a migration creates a column schema.prisma lacks', async () => {
    await db.sql.exec('ALTER TABLE "users" ADD COLUMN "nick_name" TEXT');
    try {
      const diff = diffSchema(parsePrismaSchema(schemaText), await readActualSchema(db.sql));
      expect(diff).toEqual(['column users.nick_name exists in the database but not in schema.prisma']);
    } finally {
      await db.sql.exec('ALTER TABLE "users" DROP COLUMN "nick_name"');
    }
  });

  test('fails on a type, nullability, default, unique or foreign-key mismatch', async () => {
    const changed = schemaText
      .replace(/(model User \{[^}]*?)\n {2}email(\s+)String\?/, '$1\n  email$2String')
      .replace(/(model Group \{[^}]*?)\n {2}description(\s+)String\?/, '$1\n  description$2Int?')
      .replace('@@unique([account, name])\n  @@map("groups")', '@@map("groups")')
      .replace('onDelete: Cascade', 'onDelete: Restrict')
      .replace(/rotationStatus(\s+)String(\s+)@default\(""\)/, 'rotationStatus$1String$2');
    const diff = diffSchema(parsePrismaSchema(changed), await readActualSchema(db.sql));
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
