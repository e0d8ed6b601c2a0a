/**
 * A small parser for the subset of Prisma Schema Language that `prisma/schema.prisma` uses
 * (PostgreSQL models, enums, `@map`/`@@map`, `@db.*`, `@id`/`@@id`, `@unique`/`@@unique`,
 * `@@index`, `@relation`), turning it into the tables, columns, keys and indexes that
 * `prisma migrate` would create. The drift test checks its models, tables and columns
 * against Prisma's own reading of the schema (`@prisma/internals` getDMMF).
 *
 * It throws on anything it does not understand, so a new construct fails the drift test
 * loudly instead of being skipped.
 */

interface ExpectedColumn {
  name: string;
  /** PostgreSQL `udt_name` (`text`, `uuid`, `_text` for `text[]`, an enum's name), or `null` = unchecked. */
  udt: string | null;
  /** `'list'`: a Prisma scalar list, which `prisma migrate` creates nullable; NOT NULL is accepted too. */
  nullable: boolean | 'list';
  /** Whether Prisma puts a database DEFAULT on it (`@default(uuid())` is client-side, `now()` is not). */
  hasDbDefault: boolean;
}

interface ExpectedForeignKey {
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault';
}

export interface ExpectedTable {
  model: string;
  name: string;
  columns: ExpectedColumn[];
  primaryKey: string[];
  /** Column lists of unique indexes (`@unique`, `@@unique`). */
  uniques: string[][];
  /** Column lists of plain indexes (`@@index`). */
  indexes: string[][];
  foreignKeys: ExpectedForeignKey[];
  /** Prisma field name → column name, scalar fields only. */
  fieldColumns: Map<string, string>;
}

interface RawField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attrs: string;
}

interface RawBlock {
  kind: 'model' | 'enum';
  name: string;
  lines: string[];
}

const SCALAR_UDT: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Decimal: 'numeric',
  Boolean: 'bool',
  DateTime: 'timestamp',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const NATIVE_UDT: Record<string, string> = {
  Text: 'text',
  VarChar: 'varchar',
  Char: 'bpchar',
  Uuid: 'uuid',
  Citext: 'citext',
  Inet: 'inet',
  Xml: 'xml',
  Bit: 'bit',
  VarBit: 'varbit',
  SmallInt: 'int2',
  Integer: 'int4',
  Oid: 'oid',
  BigInt: 'int8',
  Real: 'float4',
  DoublePrecision: 'float8',
  Decimal: 'numeric',
  Money: 'money',
  Boolean: 'bool',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Date: 'date',
  Time: 'time',
  Timetz: 'timetz',
  Json: 'json',
  JsonB: 'jsonb',
  ByteA: 'bytea',
};

/** `@default(...)` functions evaluated by the Prisma client rather than the database. */
const CLIENT_DEFAULTS = /^(uuid|cuid|nanoid|ulid)\s*\(/;

/** Parses schema text into the tables `prisma migrate` would create, ordered by model. */
export function parsePrismaSchema(text: string): ExpectedTable[] {
  const blocks = splitBlocks(text);
  const enums = new Map<string, string>();
  for (const b of blocks.filter((x) => x.kind === 'enum')) {
    const map = b.lines.map((l) => /^@@map\(\s*"([^"]+)"\s*\)$/.exec(l)).find(Boolean);
    enums.set(b.name, map?.[1] ?? b.name);
  }
  const models = blocks.filter((b) => b.kind === 'model');
  const modelNames = new Set(models.map((m) => m.name));
  const tables = new Map<string, ExpectedTable>();
  const pendingFks: Array<{ table: ExpectedTable; field: RawField }> = [];
  for (const m of models) {
    const table = modelTable(m, modelNames, enums);
    tables.set(m.name, table);
    for (const f of m.lines.filter((l) => !l.startsWith('@@')).map(parseField)) {
      if (modelNames.has(f.type) && /@relation\([^)]*fields\s*:/.test(f.attrs)) pendingFks.push({ table, field: f });
    }
  }
  for (const { table, field } of pendingFks) table.foreignKeys.push(foreignKey(table, field, tables));
  return [...tables.values()];
}

function splitBlocks(text: string): RawBlock[] {
  const blocks: RawBlock[] = [];
  let current: RawBlock | undefined;
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    if (!current) {
      const head = /^(model|enum|type|view|generator|datasource)\s+(\w+)\s*\{$/.exec(line);
      if (!head) throw new Error(`prisma-schema: cannot parse top-level line: ${raw}`);
      if (head[1] === 'type' || head[1] === 'view')
        throw new Error(`prisma-schema: '${head[1]}' blocks are not supported`);
      current = { kind: head[1] === 'enum' ? 'enum' : 'model', name: head[2] ?? '', lines: [] };
      if (head[1] === 'generator' || head[1] === 'datasource') current.name = '';
      depth = 1;
      continue;
    }
    const code = line.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    depth += count(code, '{') - count(code, '}');
    if (depth === 0) {
      if (line !== '}') throw new Error(`prisma-schema: expected '}' alone on a line: ${raw}`);
      if (current.name) blocks.push(current);
      current = undefined;
    } else {
      current.lines.push(line);
    }
  }
  if (current) throw new Error('prisma-schema: unterminated block');
  return blocks;
}

function modelTable(m: RawBlock, modelNames: Set<string>, enums: Map<string, string>): ExpectedTable {
  const blockAttrs = m.lines.filter((l) => l.startsWith('@@'));
  const fields = m.lines.filter((l) => !l.startsWith('@@')).map(parseField);
  const scalars = fields.filter((f) => !modelNames.has(f.type));
  const fieldColumns = new Map(scalars.map((f) => [f.name, attrArg(f.attrs, '@map') ?? f.name]));
  const col = (field: string) => {
    const c = fieldColumns.get(field);
    if (!c) throw new Error(`prisma-schema: ${m.name} has no scalar field '${field}'`);
    return c;
  };
  const table: ExpectedTable = {
    model: m.name,
    name: blockArg(blockAttrs, '@@map') ?? m.name,
    columns: scalars.map((f) => column(m.name, f, fieldColumns.get(f.name) ?? f.name, enums)),
    primaryKey: [],
    uniques: [],
    indexes: [],
    foreignKeys: [],
    fieldColumns,
  };
  for (const f of scalars) {
    if (/@id\b/.test(f.attrs)) table.primaryKey = [col(f.name)];
    if (/@unique\b/.test(f.attrs)) table.uniques.push([col(f.name)]);
  }
  for (const a of blockAttrs) {
    const head = /^@@(\w+)/.exec(a)?.[1];
    if (head === 'map') continue;
    const list = fieldList(a);
    if (head === 'id') table.primaryKey = list.map(col);
    else if (head === 'unique') table.uniques.push(list.map(col));
    else if (head === 'index') table.indexes.push(list.map(col));
    else throw new Error(`prisma-schema: unsupported block attribute in ${m.name}: ${a}`);
  }
  if (table.primaryKey.length === 0) throw new Error(`prisma-schema: ${m.name} has no @id/@@id`);
  return table;
}

function column(model: string, f: RawField, name: string, enums: Map<string, string>): ExpectedColumn {
  const def = attrBody(f.attrs, '@default');
  const hasDbDefault = def !== undefined && !CLIENT_DEFAULTS.test(def.trim());
  return { name, udt: udtOf(model, f, enums), nullable: f.list ? 'list' : f.optional, hasDbDefault };
}

function udtOf(model: string, f: RawField, enums: Map<string, string>): string | null {
  if (f.type.startsWith('Unsupported(')) return null;
  const native = /@db\.(\w+)/.exec(f.attrs)?.[1];
  let udt: string | undefined;
  if (native) {
    udt = NATIVE_UDT[native];
    if (!udt)
      throw new Error(`prisma-schema: ${model}.${f.name}: unknown native type @db.${native}; extend NATIVE_UDT`);
  } else {
    udt = SCALAR_UDT[f.type] ?? enums.get(f.type);
    if (!udt) throw new Error(`prisma-schema: ${model}.${f.name}: unknown type ${f.type}`);
  }
  return f.list ? `_${udt}` : udt;
}

function foreignKey(table: ExpectedTable, f: RawField, tables: Map<string, ExpectedTable>): ExpectedForeignKey {
  const body = attrBody(f.attrs, '@relation') ?? '';
  const ref = tables.get(f.type);
  if (!ref) throw new Error(`prisma-schema: unknown relation target ${f.type}`);
  const fields = listArg(body, 'fields');
  const references = listArg(body, 'references');
  const onDelete = /onDelete\s*:\s*(\w+)/.exec(body)?.[1] ?? (f.optional ? 'SetNull' : 'Restrict');
  const toCol = (t: ExpectedTable, name: string) => {
    const c = t.fieldColumns.get(name);
    if (!c)
      throw new Error(
        `prisma-schema: ${t.model} has no scalar field '${name}' (in @relation of ${table.model}.${f.name})`,
      );
    return c;
  };
  return {
    columns: fields.map((n) => toCol(table, n)),
    refTable: ref.name,
    refColumns: references.map((n) => toCol(ref, n)),
    onDelete: onDelete as ExpectedForeignKey['onDelete'],
  };
}

function parseField(line: string): RawField {
  const m = /^(\w+)\s+(Unsupported\("[^"]*"\)|\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
  if (!m) throw new Error(`prisma-schema: cannot parse field line: ${line}`);
  return { name: m[1] ?? '', type: m[2] ?? '', list: Boolean(m[3]), optional: Boolean(m[4]), attrs: m[5] ?? '' };
}

/** The text inside `name(...)`, balancing parentheses and skipping strings. */
function attrBody(attrs: string, name: string): string | undefined {
  const re = new RegExp(`${name.replace('.', '\\.')}\\(`, 'g');
  const m = re.exec(attrs);
  if (!m) return undefined;
  let depth = 1;
  let inString = false;
  for (let i = m.index + m[0].length; i < attrs.length; i++) {
    const ch = attrs[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return attrs.slice(m.index + m[0].length, i);
  }
  throw new Error(`prisma-schema: unbalanced parentheses in ${attrs}`);
}

/** The first string argument of `name("x")` or `name(name: "x")`. */
function attrArg(attrs: string, name: string): string | undefined {
  const body = attrBody(attrs, name);
  return body === undefined ? undefined : /^\s*(?:name\s*:\s*)?"([^"]+)"/.exec(body)?.[1];
}

function blockArg(lines: string[], name: string): string | undefined {
  for (const l of lines) {
    const v = l.startsWith(`${name}(`) ? attrArg(l, name) : undefined;
    if (v) return v;
  }
  return undefined;
}

/** Field names of `@@id([a, b])`, `@@unique(fields: [a, b], name: ...)`, `@@index([a(sort: Desc)])`. */
function fieldList(attr: string): string[] {
  const body = attrBody(attr, attr.slice(0, attr.indexOf('('))) ?? '';
  const list = /^\s*(?:fields\s*:\s*)?\[([^\]]*)\]/.exec(body);
  if (!list) throw new Error(`prisma-schema: cannot read the field list of ${attr}`);
  return splitList(list[1] ?? '');
}

function listArg(body: string, key: string): string[] {
  const m = new RegExp(`${key}\\s*:\\s*\\[([^\\]]*)\\]`).exec(body);
  if (!m) throw new Error(`prisma-schema: @relation(${body}) has no ${key}: [...]`);
  return splitList(m[1] ?? '');
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim().replace(/\(.*\)$/, ''))
    .filter(Boolean);
}

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}
