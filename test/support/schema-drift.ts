/**
 * Compares the structure a migrated database really has (read from the catalogs) with what
 * `prisma/schema.prisma` declares (`parsePrismaSchema`), and lists every difference as a
 * readable line. An empty list means the hand-written SQL migrations match the schema.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/database.js';
import type { ExpectedTable } from './prisma-schema.js';

interface ActualColumn {
  table: string;
  name: string;
  udt: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface ActualSchema {
  columns: ActualColumn[];
  /** `table(col,col)` */
  primaryKeys: Set<string>;
  uniques: Set<string>;
  indexes: Set<string>;
  /** `table(cols) -> ref(cols) on delete X` */
  foreignKeys: Set<string>;
}

const IGNORED_TABLES = new Set(['_prisma_migrations']);
const ON_DELETE: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

/** Reads tables, columns, keys and indexes of the current schema (`public`). */
/** Catalog queries (row keys come back camelCased, as every query through Kysely). */
export async function readActualSchema(db: Kysely<DB>): Promise<ActualSchema> {
  const { rows: columns } = await sql<{
    tableName: string;
    columnName: string;
    udtName: string;
    isNullable: string;
    columnDefault: string | null;
  }>`
    SELECT table_name, column_name, udt_name, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = current_schema()
      ORDER BY table_name, ordinal_position`.execute(db);
  const { rows: indexRows } = await sql<{ tbl: string; cols: string; isprimary: boolean; isunique: boolean }>`
    SELECT t.relname AS tbl, i.indisprimary AS isprimary, i.indisunique AS isunique,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS cols
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace`.execute(db);
  const { rows: fkRows } = await sql<{ tbl: string; cols: string; reftbl: string; refcols: string; deltype: string }>`
    SELECT t.relname AS tbl, r.relname AS reftbl, c.confdeltype::text AS deltype,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`.execute(db);
  const keep = (table: string) => !IGNORED_TABLES.has(table);
  const idx = (pred: (r: (typeof indexRows)[number]) => boolean) =>
    new Set(indexRows.filter((r) => keep(r.tbl) && pred(r)).map((r) => `${r.tbl}(${r.cols})`));
  return {
    columns: columns
      .filter((c) => keep(c.tableName))
      .map((c) => ({
        table: c.tableName,
        name: c.columnName,
        udt: c.udtName,
        nullable: c.isNullable === 'YES',
        hasDefault: c.columnDefault !== null,
      })),
    primaryKeys: idx((r) => r.isprimary),
    uniques: idx((r) => r.isunique && !r.isprimary),
    indexes: idx((r) => !r.isunique),
    foreignKeys: new Set(
      fkRows
        .filter((r) => keep(r.tbl))
        .map((r) => `${r.tbl}(${r.cols}) -> ${r.reftbl}(${r.refcols}) on delete ${ON_DELETE[r.deltype] ?? r.deltype}`),
    ),
  };
}

/** Every difference between the schema's tables and the database, as sorted readable lines. */
export function diffSchema(expected: ExpectedTable[], actual: ActualSchema): string[] {
  const problems: string[] = [];
  const actualCols = new Map(actual.columns.map((c) => [`${c.table}.${c.name}`, c]));
  const expectedTables = new Set(expected.map((t) => t.name));
  for (const t of expected) {
    for (const col of t.columns) {
      const key = `${t.name}.${col.name}`;
      const a = actualCols.get(key);
      if (!a) {
        problems.push(`column ${key} (model ${t.model}) is in schema.prisma but no migration creates it`);
        continue;
      }
      actualCols.delete(key);
      if (col.udt !== null && col.udt !== a.udt)
        problems.push(`column ${key}: type ${a.udt} in the database, ${col.udt} in schema.prisma`);
      if (col.nullable !== 'list' && col.nullable !== a.nullable) {
        problems.push(
          `column ${key}: ${a.nullable ? 'NULL' : 'NOT NULL'} in the database, ${col.nullable ? 'optional' : 'required'} in schema.prisma`,
        );
      }
      if (col.hasDbDefault !== a.hasDefault) {
        problems.push(
          `column ${key}: ${a.hasDefault ? 'has a' : 'no'} DEFAULT in the database, ${col.hasDbDefault ? 'a' : 'no'} database default in schema.prisma`,
        );
      }
    }
  }
  for (const [key] of actualCols) {
    const table = key.slice(0, key.indexOf('.'));
    problems.push(
      expectedTables.has(table)
        ? `column ${key} exists in the database but not in schema.prisma`
        : `table ${table} (column ${key}) exists in the database but has no model in schema.prisma`,
    );
  }
  const sig = (t: ExpectedTable, cols: string[]) => `${t.name}(${cols.join(',')})`;
  compareSets(problems, 'primary key', new Set(expected.map((t) => sig(t, t.primaryKey))), actual.primaryKeys);
  compareSets(
    problems,
    'unique index',
    new Set(expected.flatMap((t) => t.uniques.map((u) => sig(t, u)))),
    actual.uniques,
  );
  compareSets(problems, 'index', new Set(expected.flatMap((t) => t.indexes.map((u) => sig(t, u)))), actual.indexes);
  const fks = expected.flatMap((t) =>
    t.foreignKeys.map(
      (f) => `${sig(t, f.columns)} -> ${f.refTable}(${f.refColumns.join(',')}) on delete ${f.onDelete}`,
    ),
  );
  compareSets(problems, 'foreign key', new Set(fks), actual.foreignKeys);
  return problems.sort();
}

function compareSets(problems: string[], what: string, expected: Set<string>, actual: Set<string>): void {
  for (const e of expected)
    if (!actual.has(e)) problems.push(`${what} ${e} is in schema.prisma but not in the database`);
  for (const a of actual)
    if (!expected.has(a)) problems.push(`${what} ${a} exists in the database but not in schema.prisma`);
}
