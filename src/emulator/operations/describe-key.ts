import { multiRegionConfiguration } from '../core/replicas.js';
import { assertKeyUsable } from '../model/key-state.js';
import { toKeyMetadata } from '../model/key-metadata-view.js';
import type { OperationHandler } from './context.js';
import { presentStoreKey } from './custom-key-store-keys.js';

/**
 * DescribeKey: by key id, key ARN, alias name or alias ARN; another account's key by
 * ARN when its policy allows kms:DescribeKey. Works in every key state.
 *
 * @throws NotFoundException | AccessDeniedException
 */
export const describeKey: OperationHandler<'DescribeKey'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!, { allowAlias: true, crossAccount: true });
  assertKeyUsable(entry.doc, ctx.op);
  const md = toKeyMetadata(entry.doc, multiRegionConfiguration(ctx.registry, entry.doc));
  return { KeyMetadata: entry.doc.customKeyStoreId ? presentStoreKey(ctx.registry, entry.doc, md) : md };
};
