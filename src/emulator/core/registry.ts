import type { AliasDoc, KeyEntry } from '../model/key-record.js';

/** Everything one account holds in one Region. */
export class Scope {
  readonly keys = new Map<string, KeyEntry>();
  readonly aliases = new Map<string, AliasDoc>();
  private sortedKeyIds: string[] | null = null;
  private sortedAliasNames: string[] | null = null;

  /** Key ids in ascending order (the order ListKeys pages in); cached until keys change. */
  keyIdsSorted(): string[] {
    this.sortedKeyIds ??= [...this.keys.keys()].sort();
    return this.sortedKeyIds;
  }

  /** Alias names in ascending order (the order ListAliases pages in). */
  aliasNamesSorted(): string[] {
    this.sortedAliasNames ??= [...this.aliases.keys()].sort();
    return this.sortedAliasNames;
  }

  /** Sets or removes a key; keeps the sorted cache honest. */
  setKey(keyId: string, entry: KeyEntry | undefined): void {
    const existed = this.keys.has(keyId);
    if (entry) this.keys.set(keyId, entry);
    else this.keys.delete(keyId);
    if (existed !== (entry !== undefined)) this.sortedKeyIds = null;
  }

  /** Sets or removes an alias; keeps the sorted cache honest. */
  setAlias(name: string, doc: AliasDoc | undefined): void {
    const existed = this.aliases.has(name);
    if (doc) this.aliases.set(name, doc);
    else this.aliases.delete(name);
    if (existed !== (doc !== undefined)) this.sortedAliasNames = null;
  }
}

/**
 * The emulator's hot index: every key and alias of every account and Region, in memory.
 * Only {@link Transaction} changes it, so every change is paired with a store write.
 */
export class Registry {
  private readonly scopes = new Map<string, Scope>();

  /** The scope of an account and Region, created empty on first use. */
  scope(accountId: string, region: string): Scope {
    const id = `${accountId}/${region}`;
    let s = this.scopes.get(id);
    if (!s) {
      s = new Scope();
      this.scopes.set(id, s);
    }
    return s;
  }

  /** Every key entry in every scope (for the scheduler). */
  *allKeys(): IterableIterator<KeyEntry> {
    for (const s of this.scopes.values()) yield* s.keys.values();
  }
}
