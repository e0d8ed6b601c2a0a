import type { CustomKeyStoreEntry } from '../model/custom-key-store.js';
import type { GrantDoc } from '../model/grant-record.js';
import type { AliasDoc, KeyEntry } from '../model/key-record.js';

/** Everything one account holds in one Region. */
export class Scope {
  readonly keys = new Map<string, KeyEntry>();
  readonly aliases = new Map<string, AliasDoc>();
  /** Grants by key id, then grant id (insertion order = creation order). */
  readonly grants = new Map<string, Map<string, GrantDoc>>();
  private sortedKeyIds: string[] | null = null;
  /** ListKeys pages by `limit marker`, valid while the set of keys is unchanged (ARNs never change). */
  readonly keyPages = new Map<string, unknown>();
  private sortedAliasNames: string[] | null = null;
  /** Custom key stores by CustomKeyStoreId (insertion order = creation order). */
  readonly customKeyStores = new Map<string, CustomKeyStoreEntry>();

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
    if (existed !== (entry !== undefined)) {
      this.sortedKeyIds = null;
      this.keyPages.clear();
    }
  }

  /** The grants of one key, oldest first. */
  grantsOf(keyId: string): GrantDoc[] {
    const m = this.grants.get(keyId);
    return m ? [...m.values()] : [];
  }

  /** Sets or removes a grant. */
  setGrant(keyId: string, grantId: string, doc: GrantDoc | undefined): void {
    let m = this.grants.get(keyId);
    if (doc) {
      if (!m) this.grants.set(keyId, (m = new Map()));
      m.set(grantId, doc);
    } else if (m) {
      m.delete(grantId);
      if (m.size === 0) this.grants.delete(keyId);
    }
  }

  /** Sets or removes a custom key store. */
  setCustomKeyStore(id: string, entry: CustomKeyStoreEntry | undefined): void {
    if (entry) this.customKeyStores.set(id, entry);
    else this.customKeyStores.delete(id);
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
  /**
   * The last successful cryptographic operation per key ARN (GetKeyLastUsage). Kept in
   * memory only, like a metric: tracking starts when the emulator opens. Compact, as it
   * may hold every key: the time in epoch ms, the request id a flat string.
   */
  readonly lastUsage = new Map<string, { operation: string; at: number; requestId: string }>();
  readonly trackingStart = new Date();

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

  /** The scopes of one account by Region (multi-Region keys look across them). */
  *scopesOf(accountId: string): IterableIterator<[string, Scope]> {
    const prefix = `${accountId}/`;
    for (const [id, s] of this.scopes) if (id.startsWith(prefix)) yield [id.slice(prefix.length), s];
  }

  /** Every custom key store of every scope (to resume connections on open). */
  *allCustomKeyStores(): IterableIterator<CustomKeyStoreEntry> {
    for (const s of this.scopes.values()) yield* s.customKeyStores.values();
  }

  /** Every key entry in every scope (for the scheduler). */
  *allKeys(): IterableIterator<KeyEntry> {
    for (const s of this.scopes.values()) yield* s.keys.values();
  }
}
