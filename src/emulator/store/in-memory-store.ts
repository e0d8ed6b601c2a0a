import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from './emulator-store.js';

const refKey = (r: ObjectRef): string => `${r.kind}\u0000${r.accountId}\u0000${r.region}\u0000${r.id}`;

/** Non-durable store for unit tests and `npm run emulator -- --memory`. */
export class InMemoryEmulatorStore implements EmulatorStore {
  private readonly objects = new Map<string, StoredObject>();

  async loadAll(): Promise<StoredObject[]> {
    return [...this.objects.values()].map((o) => structuredClone(o));
  }

  async apply(change: StoreChange): Promise<void> {
    for (const o of change.put ?? []) this.objects.set(refKey(o), structuredClone(o));
    for (const r of change.delete ?? []) this.objects.delete(refKey(r));
  }
}
