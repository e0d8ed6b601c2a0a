import { randomBytes } from 'node:crypto';
import { decodeMaterialSet, encodeMaterialSet, openWithRootKey, sealWithRootKey } from '../crypto/envelope-codec.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';

/** What a key's sealed secret is bound to: a secret copied onto another key does not open. */
const binding = (doc: KeyDoc): string => `key/${doc.accountId}/${doc.region}/${doc.keyId}`;

/** A new KeyMaterialId: 64 lowercase hex characters, as AWS's BackingKeyIdType. */
export const newMaterialId = (): string => randomBytes(32).toString('hex');

/** Builds a key entry, sealing its material under the root key for the store. */
export function sealEntry(rootKey: Uint8Array, doc: KeyDoc, material: ReadonlyMap<string, Uint8Array>): KeyEntry {
  if (material.size === 0) return { doc, material, sealed: null };
  const set = encodeMaterialSet([...material].map(([id, m]) => ({ id, material: m })));
  try {
    return { doc, material, sealed: sealWithRootKey(rootKey, binding(doc), set) };
  } finally {
    set.fill(0);
  }
}

/** Reverses {@link sealEntry} for a stored key. */
export function openEntry(rootKey: Uint8Array, doc: KeyDoc, sealed: Uint8Array | null | undefined): KeyEntry {
  if (!sealed || sealed.length === 0) return { doc, material: new Map(), sealed: null };
  const set = openWithRootKey(rootKey, binding(doc), sealed);
  const material = new Map(decodeMaterialSet(set).map((e) => [e.id, e.material] as const));
  set.fill(0);
  return { doc, material, sealed };
}

/** The same key with a new document; material and sealed secret are reused untouched. */
export const withDoc = (entry: KeyEntry, doc: KeyDoc): KeyEntry => ({ doc, material: entry.material, sealed: entry.sealed });
