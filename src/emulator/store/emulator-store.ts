/**
 * Durable storage for the emulator. The emulator keeps every object in memory (its hot
 * index) and writes each mutation through this interface before acknowledging it.
 * Storage is dumb: it never interprets documents or applies domain rules.
 */

/** Identifies one stored object, e.g. `{ kind: 'key', accountId, region, id: keyId }`. */
export interface ObjectRef {
  kind: string;
  accountId: string;
  region: string;
  id: string;
}

export interface StoredObject extends ObjectRef {
  /** JSON-serialisable metadata. Never contains key material. */
  doc: unknown;
  /** Secret material, already encrypted under the emulator root key by the caller. */
  secret?: Uint8Array | null;
}

/** One atomic change: all puts and deletes are applied together or not at all. */
export interface StoreChange {
  put?: StoredObject[];
  delete?: ObjectRef[];
}

export interface EmulatorStore {
  /** Every stored object; called once when the emulator opens. */
  loadAll(): Promise<StoredObject[]>;
  /** Applies a change durably; resolves only after it is committed. */
  apply(change: StoreChange): Promise<void>;
}
