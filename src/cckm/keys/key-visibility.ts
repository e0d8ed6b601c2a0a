import type { Principal } from '../../auth/principal.js';
import type { KmsService } from '../kms/kms.service.js';
import { scopeFilter, type KeyListFilter } from './key-filter.js';
import type { KeyFilter } from './key.repository.js';

/**
 * The key list's filter narrowed to what the caller may view: their own account's KMS
 * accounts (names resolved), then the KMS accounts and key origins their ACLs show
 * (`KmsAcls.keyScopes`). A list filters; it does not fail.
 * @returns the repository filter, or undefined when no key can match
 */
export async function visibleFilter(
  kms: KmsService,
  p: Principal,
  filter: KeyListFilter,
): Promise<KeyFilter | undefined> {
  const scoped = await scopeFilter(kms, p, filter);
  if (!scoped) return undefined;
  const scopes = await kms.acls.keyScopes(p);
  if (scopes === 'all') return scoped;
  return scopes.length ? { ...scoped, visible: scopes } : undefined;
}
