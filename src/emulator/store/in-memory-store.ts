import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from './emulator-store.js';

/** One object as this store keeps it: the document by reference, the secret one character per byte. */
interface Kept extends ObjectRef {
  doc: unknown;
  secret: string | null;
}

/**
 * Non-durable store for unit tests and `npm run emulator -- --memory`.
 *
 * Documents are immutable values (the emulator builds a new document for every change),
 * so this store keeps the document it is given rather than a copy, and freezes it: code
 * that changed a document after writing it would fail loudly in the tests rather than
 * diverge from a durable store. Secrets are kept as one-byte strings (a small Uint8Array
 * costs ~300 bytes of overhead), and objects are found by kind, account and Region, then
 * by id (the id string is the document's own; a composite key would be a new string per
 * object). {@link loadAll} hands out copies, as a real store does.
 */
export class InMemoryEmulatorStore implements EmulatorStore {
  private readonly buckets = new Map<string, Map<string, Kept>>();

  async loadAll(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const bucket of this.buckets.values()) {
      for (const o of bucket.values()) {
        const secret = o.secret === null ? null : new Uint8Array(Buffer.from(o.secret, 'latin1'));
        out.push({
          kind: o.kind,
          accountId: o.accountId,
          region: o.region,
          id: o.id,
          doc: structuredClone(o.doc),
          secret,
        });
      }
    }
    return out;
  }

  async apply(change: StoreChange): Promise<void> {
    for (const o of change.put ?? []) {
      const secret = o.secret
        ? Buffer.from(o.secret.buffer, o.secret.byteOffset, o.secret.byteLength).toString('latin1')
        : null;
      let bucket = this.buckets.get(bucketOf(o));
      if (!bucket) this.buckets.set(bucketOf(o), (bucket = new Map()));
      bucket.set(o.id, {
        kind: o.kind,
        accountId: o.accountId,
        region: o.region,
        id: o.id,
        doc: Object.freeze(o.doc),
        secret,
      });
    }
    for (const r of change.delete ?? []) this.buckets.get(bucketOf(r))?.delete(r.id);
  }
}

const bucketOf = (r: ObjectRef): string => `${r.kind}\u0000${r.accountId}\u0000${r.region}`;
