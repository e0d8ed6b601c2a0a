import { ValidationError } from '../../errors/index.js';
import type { PolicyPrincipals } from '../common/records.js';

/** The request fields that list policy principals, as the original product names them. */
export interface PrincipalFields {
  key_admins?: string[];
  key_admins_roles?: string[];
  key_users?: string[];
  key_users_roles?: string[];
  external_accounts?: string[];
}

export const PRINCIPAL_FIELDS: readonly [keyof PrincipalFields, keyof PolicyPrincipals][] = [
  ['key_admins', 'keyAdmins'],
  ['key_admins_roles', 'keyAdminsRoles'],
  ['key_users', 'keyUsers'],
  ['key_users_roles', 'keyUsersRoles'],
  ['external_accounts', 'externalAccounts'],
];

const ACCOUNT_ID = /^\d{12}$/;
const IAM_NAME = /^(arn:aws[a-z-]*:iam::\d{12}:(user|role)\/[\w+=,.@/-]{1,512}|[\w+=,.@/-]{1,512})$/;

/** The principal lists of a request, deduplicated and checked. @throws ValidationError naming the entry. */
export function principalsOf(input: PrincipalFields): PolicyPrincipals {
  const out: PolicyPrincipals = {
    keyAdmins: [],
    keyAdminsRoles: [],
    keyUsers: [],
    keyUsersRoles: [],
    externalAccounts: [],
  };
  for (const [field, key] of PRINCIPAL_FIELDS) {
    const values = input[field] ?? [];
    values.forEach((v, i) => {
      const ok = field === 'external_accounts' ? ACCOUNT_ID.test(v) : IAM_NAME.test(v);
      if (!ok) {
        throw ValidationError.field(
          `${field}[${i}]`,
          field === 'external_accounts' ? 'must be a 12-digit AWS account id' : 'must be an IAM name or ARN',
        );
      }
    });
    out[key] = [...new Set(values)];
  }
  return out;
}
