import type { GrantConstraints, GrantOperation } from '@aws-sdk/client-kms';

/**
 * One grant (StoredObject kind `grant`, id = GrantId). Grants belong to a key and are
 * deleted with it. `tokenSecret` authenticates the grant tokens issued for it (AWS's
 * tokens are opaque; ours carry the grant's address and a MAC under this secret).
 */
export interface GrantDoc {
  grantId: string;
  keyId: string;
  accountId: string;
  region: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  /** ISO-8601. */
  creationDate: string;
  /** The account root ARN of the account that created the grant. */
  issuingAccount: string;
  /** 64 hex characters. */
  tokenSecret: string;
}

/** AWS quotas: grants per KMS key, and grants for one grantee principal per key. */
export const MAX_GRANTS_PER_KEY = 50_000;
export const MAX_GRANTS_PER_GRANTEE_PER_KEY = 500;
