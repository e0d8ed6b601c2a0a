import { DEFAULT_POLICY_NAME } from '../model/key-policy-document.js';
import type { OperationHandler } from './context.js';
import { checkPolicyName } from './policy-name.js';

/**
 * GetKeyPolicy: the key policy exactly as stored (any key state).
 *
 * @throws ValidationException | NotFoundException
 */
export const getKeyPolicy: OperationHandler<'GetKeyPolicy'> = async (ctx, input) => {
  checkPolicyName(input.PolicyName);
  const entry = ctx.findKey(input.KeyId!);
  return { Policy: entry.doc.policy, PolicyName: DEFAULT_POLICY_NAME };
};
