import type { Principal } from '../../auth/principal.js';
import type { KmsService } from '../kms/kms.service.js';
import type { KeyFilter } from './key.repository.js';

/** The key list's filters as the API takes them: KMS accounts also by name (`kms`). */
export type KeyListFilter = KeyFilter & { kms?: string[] };

/**
 * The most groups a count by state or region answers. AWS has eight key states and a few
 * dozen regions, so the bound is never reached by real data; it only keeps the answer small.
 */
export const MAX_STAT_GROUPS = 200;

/**
 * The filter with KMS account names and ids resolved to the caller's own accounts. A name
 * or id of another account (or none) resolves to nothing, like a filter nothing matches.
 * @returns the repository filter, or undefined when no key can match
 */
export async function scopeFilter(
  kms: KmsService,
  p: Principal,
  filter: KeyListFilter,
): Promise<KeyFilter | undefined> {
  const { kms: refs, ...rest } = filter;
  if (!refs) return rest;
  const resolved: string[] = [];
  for (const ref of refs) {
    const k = await kms.find(p, ref).catch(() => undefined);
    if (k) resolved.push(k.id);
  }
  const kmsIds = rest.kmsIds ? resolved.filter((id) => rest.kmsIds!.includes(id)) : resolved;
  return kmsIds.length ? { ...rest, kmsIds } : undefined;
}
