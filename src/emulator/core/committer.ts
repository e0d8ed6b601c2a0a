import type { EmulatorStore, ObjectRef, StoreChange, StoredObject } from '../store/emulator-store.js';
import { refId, type Transaction } from './transaction.js';

interface Pending {
  tx: Transaction;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes transactions to the store with group commit: transactions submitted while a
 * write is in flight are merged into the next single `store.apply` call (up to
 * `maxBatch`), so durable throughput is bounded by store round trips, not by callers.
 *
 * Ordering and failure: batches are written strictly one after another. If a batch
 * fails, it and every transaction queued behind it (which may have built on its
 * uncommitted changes) are undone newest first and rejected with the store's error, so
 * memory returns to exactly the last committed state.
 */
export class Committer {
  private queue: Pending[] = [];
  private flushing = false;
  private lastBatch = 0;

  constructor(
    private readonly store: EmulatorStore,
    private readonly maxBatch = 512,
  ) {}

  /** Resolves once `tx` is durable; rejects (after undoing it) if the write failed. */
  commit(tx: Transaction): Promise<void> {
    if (tx.isEmpty) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // Under concurrent load, callers of the last batch are still sending their next
        // request: wait a moment rather than write a batch of one and make the rest wait
        // a full round trip (without concurrency, lastBatch is 1 and nothing waits).
        if (this.queue.length < this.lastBatch / 2) await new Promise((r) => setTimeout(r, 1));
        const batch = this.queue.splice(0, this.maxBatch);
        this.lastBatch = batch.length;
        try {
          await this.store.apply(mergeChanges(batch.map((p) => p.tx.toStoreChange())));
        } catch (err) {
          const failed = [...batch, ...this.queue.splice(0)];
          for (let i = failed.length - 1; i >= 0; i--) failed[i]!.tx.undo();
          for (const p of failed) p.reject(err);
          continue;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Merges changes in order: for each object only the final put or delete survives. */
function mergeChanges(changes: readonly StoreChange[]): StoreChange {
  const final = new Map<string, { put?: StoredObject; del?: ObjectRef }>();
  for (const c of changes) {
    for (const o of c.put ?? []) final.set(refId(o), { put: o });
    for (const r of c.delete ?? []) final.set(refId(r), { del: r });
  }
  const put: StoredObject[] = [];
  const del: ObjectRef[] = [];
  for (const v of final.values()) {
    if (v.put) put.push(v.put);
    else if (v.del) del.push(v.del);
  }
  return { put, delete: del };
}
