import { ValidationError } from '../../errors/index.js';
import type { PolicyPrincipals, PolicyTemplateRecord } from '../common/records.js';

/** An IAM policy document as AWS KMS stores it. */
export interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
}

interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS: string | string[] } | '*';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyContext {
  /** 12-digit AWS account that owns the key. */
  accountId: string;
  /** ARN partition: aws, aws-us-gov or aws-cn. */
  partition: string;
  /** The key's usage decides which cryptographic actions key users get. */
  keyUsage: string;
  /** Symmetric encryption keys also get the grant statement for AWS services. */
  keySpec: string;
}

/** Maximum key policy size AWS KMS accepts (bytes). */
const MAX_POLICY_BYTES = 32768;

/** What key administrators may do: the AWS console's default key policy (also the bench's realistic policy). */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** What key users may do, by key usage (and, for encryption, symmetric or not). */
function userActions(keyUsage: string, keySpec: string): string[] {
  switch (keyUsage) {
    case 'SIGN_VERIFY':
      return ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify'];
    case 'GENERATE_VERIFY_MAC':
      return ['kms:DescribeKey', 'kms:GenerateMac', 'kms:VerifyMac'];
    case 'KEY_AGREEMENT':
      return ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:DeriveSharedSecret'];
    default:
      return keySpec === 'SYMMETRIC_DEFAULT'
        ? ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']
        : ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey', 'kms:GetPublicKey'];
  }
}

/** AWS's default key policy: the account root may do everything, delegating to IAM. */
export function defaultKeyPolicy(ctx: Pick<PolicyContext, 'accountId' | 'partition'>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [rootStatement(ctx)],
  };
}

function rootStatement(ctx: Pick<PolicyContext, 'accountId' | 'partition'>): PolicyStatement {
  return {
    Sid: 'Enable IAM User Permissions',
    Effect: 'Allow',
    Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
}

/** An IAM user or role name → its ARN in the key's account; an ARN is kept as given. */
function principalArn(ctx: PolicyContext, kind: 'user' | 'role', name: string): string {
  return name.startsWith('arn:') ? name : `arn:${ctx.partition}:iam::${ctx.accountId}:${kind}/${name}`;
}

/** True when any of the principal lists has an entry. */
export function hasPrincipals(p: PolicyPrincipals): boolean {
  return [p.keyAdmins, p.keyAdminsRoles, p.keyUsers, p.keyUsersRoles, p.externalAccounts].some((l) => l.length > 0);
}

/**
 * Builds a key policy from principal lists, with the statements the AWS console
 * writes: root access, key administrators, key users, and (for the same users)
 * grants for AWS services integrated with KMS.
 */
export function buildKeyPolicy(ctx: PolicyContext, p: PolicyPrincipals): PolicyDocument {
  const admins = [
    ...p.keyAdmins.map((n) => principalArn(ctx, 'user', n)),
    ...p.keyAdminsRoles.map((n) => principalArn(ctx, 'role', n)),
  ];
  const users = [
    ...p.keyUsers.map((n) => principalArn(ctx, 'user', n)),
    ...p.keyUsersRoles.map((n) => principalArn(ctx, 'role', n)),
    ...p.externalAccounts.map((id) => `arn:${ctx.partition}:iam::${id}:root`),
  ];
  const statements: PolicyStatement[] = [rootStatement(ctx)];
  if (admins.length) {
    statements.push({
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: admins },
      Action: [...KEY_ADMIN_ACTIONS],
      Resource: '*',
    });
  }
  if (users.length) {
    statements.push({
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: users },
      Action: userActions(ctx.keyUsage, ctx.keySpec),
      Resource: '*',
    });
    statements.push({
      Sid: 'Allow attachment of persistent resources',
      Effect: 'Allow',
      Principal: { AWS: users },
      Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    });
  }
  return { Version: '2012-10-17', Id: 'key-consolepolicy-3', Statement: statements };
}

/**
 * Accepts a policy given as an object or a JSON string and checks its outline
 * (Statement list, Effect, size); AWS checks the rest when the policy is applied.
 * @throws ValidationError naming `field`.
 */
export function parsePolicy(value: unknown, field: string): PolicyDocument {
  let doc: unknown = value;
  if (typeof value === 'string') {
    try {
      doc = JSON.parse(value);
    } catch {
      throw ValidationError.field(field, 'is not valid JSON');
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw ValidationError.field(field, 'must be a JSON policy document');
  if (Buffer.byteLength(JSON.stringify(doc)) > MAX_POLICY_BYTES) {
    throw ValidationError.field(field, `must be at most ${MAX_POLICY_BYTES} bytes`);
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements)
    ? statements
    : statements && typeof statements === 'object'
      ? [statements]
      : [];
  if (list.length === 0) throw ValidationError.field(field, 'must contain at least one Statement');
  list.forEach((s, i) => {
    const effect = (s as { Effect?: unknown }).Effect;
    if (effect !== 'Allow' && effect !== 'Deny')
      throw ValidationError.field(`${field}.Statement[${i}].Effect`, 'must be Allow or Deny');
  });
  return doc as PolicyDocument;
}

/** A template's key policy: its literal policy, or one built from its principal lists for the key. */
export function templatePolicy(t: PolicyTemplateRecord, ctx: Parameters<typeof buildKeyPolicy>[0]): PolicyDocument {
  return t.policy ? (t.policy as PolicyDocument) : buildKeyPolicy(ctx, t);
}
