import { awsError } from '../../errors/index.js';
import { wildcardMatch } from '../../iam-policy/wildcard.js';
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

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
}

const malformed = (detail: string) => awsError('MalformedPolicyDocumentException', detail);

/**
 * Checks that a key policy is a JSON object with a non-empty Statement list whose
 * statements have Effect Allow|Deny, a Principal and an Action. Returns the parsed statements.
 *
 * @throws MalformedPolicyDocumentException
 */
export function parseKeyPolicy(policy: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw malformed('The policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw malformed('The policy must be a JSON object.');
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw !== undefined ? [raw] : [];
  if (statements.length === 0) throw malformed('The policy must contain at least one Statement.');
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) throw malformed('Each policy Statement must be an object.');
    const st = s as Statement;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw malformed('Each policy Statement needs an Effect of Allow or Deny.');
    if (st.Principal === undefined && st.NotPrincipal === undefined)
      throw malformed('Policy contains a statement with no principal.');
    if (st.Action === undefined && st.NotAction === undefined)
      throw malformed('Policy contains a statement with no action.');
  }
  return statements as Statement[];
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function principalMatches(principal: unknown, principalArn: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const account = accountOfPrincipal(principalArn);
  return asList((principal as { AWS?: unknown }).AWS).some((p) => {
    if (typeof p !== 'string') return false;
    if (p === '*' || p === principalArn) return true;
    // A root or bare-account principal delegates to the account's IAM policies; the
    // emulator has no IAM, so it stands for every principal of that account.
    const rootAccount = /^\d{12}$/.test(p) ? p : /^arn:[a-z-]+:iam::(\d{12}):root$/.exec(p)?.[1];
    return rootAccount !== undefined && rootAccount === account;
  });
}

function actionMatches(st: Statement, action: string): boolean {
  const matches = (a: unknown) => typeof a === 'string' && wildcardMatch(a, action, { ignoreCase: true });
  if (st.Action !== undefined) return asList(st.Action).some(matches);
  return !asList(st.NotAction).some(matches);
}

/**
 * Whether the policy lets `principalArn` perform `action` (`kms:PutKeyPolicy`): an Allow
 * statement matches and no Deny does. Conditions are not evaluated (they are treated as
 * satisfied) because the emulator has no request context to test them against.
 */
export function policyAllows(statements: readonly Statement[], principalArn: string, action: string): boolean {
  let allowed = false;
  for (const st of statements) {
    const principalOk =
      st.Principal !== undefined
        ? principalMatches(st.Principal, principalArn)
        : !principalMatches(st.NotPrincipal, principalArn);
    if (!principalOk || !actionMatches(st, action)) continue;
    if (st.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
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
export function checkNewKeyPolicy(policy: string, opts: { principalArn: string; bypassLockoutCheck: boolean }): void {
  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw awsError('LimitExceededException', `The key policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  }
  const statements = parseKeyPolicy(policy);
  for (const st of statements) {
    for (const a of [...asList(st.Action), ...asList(st.NotAction)]) {
      if (typeof a === 'string' && a.length > MAX_ACTION_LENGTH) {
        throw malformed(`Policy contains an action longer than ${MAX_ACTION_LENGTH} characters.`);
      }
    }
  }
  if (!opts.bypassLockoutCheck && !policyAllows(statements, opts.principalArn, 'kms:PutKeyPolicy')) {
    throw malformed('The new key policy will not allow you to update the key policy in the future.');
  }
}
