import { awsError } from '../../errors/index.js';
import { toListEntry } from '../model/custom-key-store.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

/**
 * DescribeCustomKeyStores: every store of the account and Region (by CustomKeyStoreId), or
 * the one named by CustomKeyStoreId or CustomKeyStoreName (not both); Limit/Marker paging.
 * Never returns a secret (XksProxyConfiguration carries the AccessKeyId only).
 *
 * @throws ValidationException | CustomKeyStoreNotFoundException | InvalidMarkerException
 */
export const describeCustomKeyStores: OperationHandler<'DescribeCustomKeyStores'> = async (ctx, input) => {
  const { CustomKeyStoreId: id, CustomKeyStoreName: name } = input;
  if (id !== undefined && name !== undefined) {
    throw awsError('ValidationException', 'Specify either CustomKeyStoreId or CustomKeyStoreName, not both.');
  }
  // Ordered by id, so a Marker stays valid when stores are created or deleted between pages.
  let docs = [...ctx.scope().customKeyStores.values()]
    .map((e) => e.doc)
    .sort((x, y) => (x.customKeyStoreId < y.customKeyStoreId ? -1 : 1));
  if (id !== undefined || name !== undefined) {
    docs = docs.filter((d) => (id !== undefined ? d.customKeyStoreId === id : d.name === name));
    if (docs.length === 0) {
      throw awsError(
        'CustomKeyStoreNotFoundException',
        `No custom key store ${id !== undefined ? 'has the CustomKeyStoreId' : 'has the CustomKeyStoreName'} given in this account and Region.`,
      );
    }
  }
  const page = paginate(docs, (d) => d.customKeyStoreId, input.Limit, input.Marker);
  return {
    CustomKeyStores: page.items.map(toListEntry),
    Truncated: page.Truncated,
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
  };
};
