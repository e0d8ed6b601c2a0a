import type { ObjectRef, StoreChange, StoredObject } from '../store/emulator-store.js';
import type { CustomKeyStoreEntry } from '../model/custom-key-store.js';
import type { GrantDoc } from '../model/grant-record.js';
import type { AliasDoc, KeyEntry } from '../model/key-record.js';
import type { Registry } from './scope-registry.js';

/** StoredObject kinds the emulator writes. */
export const KIND_KEY = 'key';
export const KIND_ALIAS = 'alias';
export const KIND_GRANT = 'grant';
export const KIND_CUSTOM_KEY_STORE = 'custom-key-store';

/**
 * One mutation of the hot index. Each change is applied to memory at once (so the
 * operation sees its own writes and concurrent operations see a consistent index) and
 * recorded twice: as a store write and as an undo step. The emulator then commits the
 * store change; if the commit fails it calls {@link undo}, which restores memory exactly.
 */
export class Transaction {
  private readonly puts = new Map<string, StoredObject>();
  private readonly deletes = new Map<string, ObjectRef>();
  private readonly undos: Array<() => void> = [];

  constructor(private readonly registry: Registry) {}

  /** Creates or replaces a key. */
  putKey(entry: KeyEntry): void {
    const { accountId, region, keyId } = entry.doc;
    const scope = this.registry.scope(accountId, region);
    const before = scope.keys.get(keyId);
    scope.setKey(keyId, entry);
    this.undos.push(() => scope.setKey(keyId, before));
    this.record({ kind: KIND_KEY, accountId, region, id: keyId }, { doc: entry.doc, secret: entry.sealed });
  }

  /** Removes a key (its aliases are the caller's business). */
  deleteKey(accountId: string, region: string, keyId: string): void {
    const scope = this.registry.scope(accountId, region);
    const before = scope.keys.get(keyId);
    scope.setKey(keyId, undefined);
    this.undos.push(() => scope.setKey(keyId, before));
    this.record({ kind: KIND_KEY, accountId, region, id: keyId });
  }

  /** Creates or replaces an alias. */
  putAlias(doc: AliasDoc): void {
    const scope = this.registry.scope(doc.accountId, doc.region);
    const before = scope.aliases.get(doc.aliasName);
    scope.setAlias(doc.aliasName, doc);
    this.undos.push(() => scope.setAlias(doc.aliasName, before));
    this.record({ kind: KIND_ALIAS, accountId: doc.accountId, region: doc.region, id: doc.aliasName }, { doc });
  }

  /** Removes an alias. */
  deleteAlias(accountId: string, region: string, aliasName: string): void {
    const scope = this.registry.scope(accountId, region);
    const before = scope.aliases.get(aliasName);
    scope.setAlias(aliasName, undefined);
    this.undos.push(() => scope.setAlias(aliasName, before));
    this.record({ kind: KIND_ALIAS, accountId, region, id: aliasName });
  }

  /** Creates or replaces a grant (stored object id = grant id). */
  putGrant(doc: GrantDoc): void {
    const scope = this.registry.scope(doc.accountId, doc.region);
    const before = scope.grants.get(doc.keyId)?.get(doc.grantId);
    scope.setGrant(doc.keyId, doc.grantId, doc);
    this.undos.push(() => scope.setGrant(doc.keyId, doc.grantId, before));
    this.record({ kind: KIND_GRANT, accountId: doc.accountId, region: doc.region, id: doc.grantId }, { doc });
  }

  /** Removes a grant. */
  deleteGrant(doc: GrantDoc): void {
    const scope = this.registry.scope(doc.accountId, doc.region);
    scope.setGrant(doc.keyId, doc.grantId, undefined);
    this.undos.push(() => scope.setGrant(doc.keyId, doc.grantId, doc));
    this.record({ kind: KIND_GRANT, accountId: doc.accountId, region: doc.region, id: doc.grantId });
  }

  /** Creates or replaces a custom key store (stored object id = CustomKeyStoreId; secret = the sealed secret). */
  putCustomKeyStore(entry: CustomKeyStoreEntry): void {
    const { accountId, region, customKeyStoreId: id } = entry.doc;
    const scope = this.registry.scope(accountId, region);
    const before = scope.customKeyStores.get(id);
    scope.setCustomKeyStore(id, entry);
    this.undos.push(() => scope.setCustomKeyStore(id, before));
    this.record({ kind: KIND_CUSTOM_KEY_STORE, accountId, region, id }, { doc: entry.doc, secret: entry.sealed });
  }

  /** Removes a custom key store. */
  deleteCustomKeyStore(accountId: string, region: string, id: string): void {
    const scope = this.registry.scope(accountId, region);
    const before = scope.customKeyStores.get(id);
    scope.setCustomKeyStore(id, undefined);
    this.undos.push(() => scope.setCustomKeyStore(id, before));
    this.record({ kind: KIND_CUSTOM_KEY_STORE, accountId, region, id });
  }

  /** True when nothing was changed. */
  get isEmpty(): boolean {
    return this.undos.length === 0;
  }

  /** The store change: the last write to each object wins. */
  toStoreChange(): StoreChange {
    return { put: [...this.puts.values()], delete: [...this.deletes.values()] };
  }

  /** Reverts every change of this transaction, newest first. */
  undo(): void {
    for (let i = this.undos.length - 1; i >= 0; i--) this.undos[i]!();
    this.undos.length = 0;
  }

  private record(ref: ObjectRef, put?: { doc: unknown; secret?: Uint8Array | null }): void {
    const id = refId(ref);
    if (put) {
      this.deletes.delete(id);
      this.puts.set(id, { ...ref, doc: put.doc, secret: put.secret ?? null });
    } else {
      this.puts.delete(id);
      this.deletes.set(id, ref);
    }
  }
}

/** A stable string for an object reference. */
export const refId = (r: ObjectRef): string => `${r.kind}\u0000${r.accountId}\u0000${r.region}\u0000${r.id}`;
