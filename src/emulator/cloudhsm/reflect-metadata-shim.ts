/**
 * The three Reflect metadata functions that tsyringe (a dependency of @peculiar/x509)
 * requires to be present before it loads. The `reflect-metadata` package provides them
 * too; this minimal stand-in keeps the emulator free of a global polyfill dependency.
 * Import this module before `@peculiar/x509`. It never replaces functions that exist.
 */
type MetadataTable = Map<unknown, unknown>;

const tables = new WeakMap<object, MetadataTable>();

function table(target: object, create: boolean): MetadataTable | undefined {
  let t = tables.get(target);
  if (!t && create) {
    t = new Map();
    tables.set(target, t);
  }
  return t;
}

const reflect = Reflect as unknown as Record<string, unknown>;

if (typeof reflect.getMetadata !== 'function') {
  reflect.defineMetadata = (key: unknown, value: unknown, target: object): void => {
    table(target, true)!.set(key, value);
  };
  reflect.getOwnMetadata = (key: unknown, target: object): unknown => table(target, false)?.get(key);
  reflect.getMetadata = (key: unknown, target: object): unknown => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      const t = table(o, false);
      if (t?.has(key)) return t.get(key);
    }
    return undefined;
  };
}

export {};
