import { awsError } from '../../errors/index.js';
import { DEFAULT_POLICY_NAME } from '../model/key-policy-document.js';

/**
 * KMS keys have exactly one policy, named `default`; PolicyName is optional and any
 * other value is rejected.
 *
 * @throws ValidationException
 */
export function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== DEFAULT_POLICY_NAME) {
    throw awsError('ValidationException', `The only valid value for PolicyName is ${DEFAULT_POLICY_NAME}.`);
  }
}
