import { withDoc } from '../core/key-vault.js';
import { syncReplicas } from '../core/replicas.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import type { OperationContext } from './context.js';

/**
 * Replaces a key's document (material untouched) and waits until the change is durable.
 * Used by every operation that changes key metadata. With `shared`, a multi-Region
 * primary's shared properties (rotation) are copied to its replicas in the same write.
 */
export async function saveKeyDoc(
  ctx: OperationContext,
  entry: KeyEntry,
  doc: KeyDoc,
  opts: { shared?: boolean } = {},
): Promise<void> {
  const tx = ctx.begin();
  const next = withDoc(entry, doc);
  tx.putKey(next);
  if (opts.shared) syncReplicas(ctx.registry, tx, next, ctx.sealEntry);
  await ctx.commit(tx);
}
