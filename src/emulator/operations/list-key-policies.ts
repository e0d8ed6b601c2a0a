import { DEFAULT_POLICY_NAME } from '../model/key-policy-document.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';

/**
 * ListKeyPolicies: always `["default"]` (KMS keys have one policy), paged per the model.
 *
 * @throws NotFoundException
 */
export const listKeyPolicies: OperationHandler<'ListKeyPolicies'> = async (ctx, input) => {
  ctx.findKey(input.KeyId!);
  const page = paginate([DEFAULT_POLICY_NAME], (n) => n, input.Limit, input.Marker);
  return {
    PolicyNames: page.items,
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
    Truncated: page.Truncated,
  };
};
