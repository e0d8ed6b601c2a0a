import { checkNewKeyPolicy } from '../model/key-policy-document.js';
import type { OperationHandler } from './context.js';
import { checkPolicyName } from './policy-name.js';
import { saveKeyDoc } from './save-key.js';

/**
 * PutKeyPolicy: replaces the key policy after validation and, unless bypassed, the
 * policy lockout safety check for the calling principal (any key state).
 *
 * @throws ValidationException | LimitExceededException | MalformedPolicyDocumentException | NotFoundException
 */
export const putKeyPolicy: OperationHandler<'PutKeyPolicy'> = async (ctx, input) => {
  checkPolicyName(input.PolicyName);
  const entry = ctx.findKey(input.KeyId!);
  checkNewKeyPolicy(input.Policy!, {
    principalArn: ctx.principalArn,
    bypassLockoutCheck: input.BypassPolicyLockoutSafetyCheck === true,
    allowsPutKeyPolicy: (policy) => ctx.authz.allowsPutKeyPolicy(policy, entry.doc.arn, entry.doc),
  });
  await saveKeyDoc(ctx, entry, { ...entry.doc, policy: input.Policy! });
  return {};
};
