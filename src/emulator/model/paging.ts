import { awsError } from '../../errors/index.js';

/** AWS's default page size for List* operations. */
const DEFAULT_LIMIT = 100;

/** One page in the shape every KMS List* output shares. */
export interface Page<T> {
  items: T[];
  /** Present only when Truncated is true (AWS omits it otherwise). */
  NextMarker?: string;
  Truncated: boolean;
}

/**
 * Pages a stable, ordered list. The marker is the opaque position of the next item
 * (base64url of `offset:key`); checking the key guards against using a marker after
 * the list changed under it in a way that would silently skip items.
 *
 * @throws InvalidMarkerException for a marker this list did not issue
 */
export function paginate<T>(all: readonly T[], keyOf: (t: T) => string, limit?: number, marker?: string): Page<T> {
  const size = limit ?? DEFAULT_LIMIT;
  let start = 0;
  if (marker !== undefined) start = resolveMarker(all, keyOf, marker);
  const items = all.slice(start, start + size);
  const next = all[start + size];
  if (next === undefined) return { items, Truncated: false };
  return { items, Truncated: true, NextMarker: encodeMarker(start + size, keyOf(next)) };
}

function encodeMarker(offset: number, key: string): string {
  return Buffer.from(`${offset}:${key}`, 'utf8').toString('base64url');
}

function resolveMarker<T>(all: readonly T[], keyOf: (t: T) => string, marker: string): number {
  const decoded = Buffer.from(marker, 'base64url').toString('utf8');
  const sep = decoded.indexOf(':');
  const offset = Number(decoded.slice(0, sep));
  const key = decoded.slice(sep + 1);
  if (sep < 1 || !Number.isInteger(offset) || offset < 0) {
    throw awsError(
      'InvalidMarkerException',
      'The request was rejected because the marker that specifies where pagination should next begin is not valid.',
    );
  }
  if (all[offset] !== undefined && keyOf(all[offset]) === key) return offset;
  // The list changed since the marker was issued: continue at the item's new position,
  // or at the first item that sorts after it when it is gone.
  const found = all.findIndex((t) => keyOf(t) >= key);
  return found === -1 ? all.length : found;
}
