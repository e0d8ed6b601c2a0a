import { awsError } from '../../errors/index.js';
import { PolicyError } from '../../iam-policy/conditions.js';
import { decide } from '../../iam-policy/evaluate.js';
import { compilePolicy, type CompiledPolicy, type RequestPrincipal } from '../../iam-policy/policy.js';
import { accountOfPrincipal, accountRootArn } from './arn.js';

/**
 * AWS's key policy size quota: 32 KiB of UTF-8 ("The policy size limit is 32 KiB (32768
 * bytes)"). The model's PolicyType allows 131072 characters, so a longer policy within
 * that passes validation and meets this quota: LimitExceededException, as the CreateKey
 * and PutKeyPolicy documentation say ("If the key policy exceeds the length constraint,
 * KMS returns a LimitExceededException").
 */
export const MAX_POLICY_BYTES = 32 * 1024;

/**
 * Longest Action / NotAction pattern a new policy may carry. KMS action names are at most
 * 40-odd characters; the cap keeps wildcard matching cheap (see iam-policy/wildcard.ts).
 */
export const MAX_ACTION_LENGTH = 128;

/** The one policy name KMS supports. */
export const DEFAULT_POLICY_NAME = 'default';

/**
 * AWS's default key policy, byte for byte as GetKeyPolicy returns it for a key created
 * without a Policy (AWS pretty-prints it in this `"Name" : value` style). It gives the
 * account, and through IAM its principals, full access to the key.
 */
export function defaultKeyPolicy(region: string, accountId: string): string {
  return [
    '{',
    '  "Version" : "2012-10-17",',
    '  "Id" : "key-default-1",',
    '  "Statement" : [ {',
    '    "Sid" : "Enable IAM User Permissions",',
    '    "Effect" : "Allow",',
    '    "Principal" : {',
    `      "AWS" : "${accountRootArn(region, accountId)}"`,
    '    },',
    '    "Action" : "kms:*",',
    '    "Resource" : "*"',
    '  } ]',
    '}',
  ].join('\n');
}

const malformed = (detail: string) => awsError('MalformedPolicyDocumentException', detail);

/**
 * Parses and compiles a key policy.
 *
 * @throws MalformedPolicyDocumentException saying what is wrong and where
 */
export function compileKeyPolicy(policy: string, opts: { maxActionLength?: number } = {}): CompiledPolicy {
  try {
    return compilePolicy(policy, 'resource', opts);
  } catch (err) {
    if (err instanceof PolicyError) throw malformed(err.message);
    throw err;
  }
}

/** The principal an ARN names, as far as a policy's Principal element needs (no identity policies). */
function bareRequestPrincipal(principalArn: string): RequestPrincipal {
  const accountId = accountOfPrincipal(principalArn) ?? '';
  const session = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principalArn);
  return {
    arn: principalArn,
    accountId,
    isRoot: principalArn.endsWith(':root'),
    ...(session ? { roleArn: `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` } : {}),
  };
}

/** What the lockout safety check needs to know about the caller. */
export interface LockoutCheckOptions {
  principalArn: string;
  bypassLockoutCheck: boolean;
  /**
   * Whether the new policy lets the caller call PutKeyPolicy later, with everything the
   * emulator knows about the caller (identity policies, conditions); default: the policy
   * alone, the caller's identity policies taken as not configured.
   */
  allowsPutKeyPolicy?: (policy: CompiledPolicy) => boolean;
}

/**
 * Validates a new key policy and, unless bypassed, applies AWS's policy lockout safety
 * check: the caller must keep kms:PutKeyPolicy permission under the new policy. The size
 * quota comes first, before the text is parsed. Action patterns longer than
 * {@link MAX_ACTION_LENGTH} are refused here, for new policies only, so that a key whose
 * stored policy predates the cap keeps working.
 *
 * @throws LimitExceededException | MalformedPolicyDocumentException
 */
export function checkNewKeyPolicy(policy: string, opts: LockoutCheckOptions): CompiledPolicy {
  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw awsError('LimitExceededException', `The key policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  }
  const compiled = compileKeyPolicy(policy, { maxActionLength: MAX_ACTION_LENGTH });
  if (opts.bypassLockoutCheck) return compiled;
  const allows =
    opts.allowsPutKeyPolicy?.(compiled) ??
    decide({
      principal: bareRequestPrincipal(opts.principalArn),
      action: 'kms:PutKeyPolicy',
      resource: '*',
      resourceAccount: accountOfPrincipal(opts.principalArn),
      context: () => undefined,
      resourcePolicy: { name: 'key policy', policy: compiled },
      identityPolicies: undefined,
    }).allowed;
  if (!allows) throw malformed('The new key policy will not allow you to update the key policy in the future.');
  return compiled;
}
