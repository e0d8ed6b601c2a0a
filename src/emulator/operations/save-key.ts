import { withDoc } from '../core/key-material.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';

/**
 * Replaces a key's document (material untouched) and waits until the change is durable.
 * Used by every operation that changes key metadata.
 */
export async function saveKeyDoc(ctx: OperationContext, entry: KeyEntry, doc: KeyDoc): Promise<void> {
  const tx = ctx.begin();
  tx.putKey(withDoc(entry, doc));
  await ctx.commit(tx);
}
