import type { MultiRegionConfiguration } from '@aws-sdk/client-kms';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import type { Registry } from './scope-registry.js';
import type { Transaction } from './transaction.js';

/**
 * Multi-Region key sets: the same key id in several Regions of one account. Every key
 * of the set records the primary's Region; the shared properties (spec, usage, origin,
 * material versions, rotation) are copied from the primary to the replicas whenever
 * the primary's material changes, in the same transaction.
 */

/** Every key of the set `doc` belongs to (including itself), by Region. */
export function relatedKeys(registry: Registry, doc: KeyDoc): KeyEntry[] {
  if (!doc.multiRegion) return [];
  const out: KeyEntry[] = [];
  for (const [, scope] of registry.scopesOf(doc.accountId)) {
    const e = scope.keys.get(doc.keyId);
    if (e) out.push(e);
  }
  return out;
}

/** The replicas of a primary key (empty for any other key). */
export function replicasOf(registry: Registry, doc: KeyDoc): KeyEntry[] {
  if (!doc.multiRegion || doc.primaryRegion !== doc.region) return [];
  return relatedKeys(registry, doc).filter((e) => e.doc.region !== doc.region);
}

/**
 * Copies the primary's material versions and rotation settings onto each replica
 * (after the primary was rotated), sealing the material under each replica's binding.
 */
export function syncReplicas(
  registry: Registry,
  tx: Transaction,
  primary: KeyEntry,
  seal: (doc: KeyDoc, material: ReadonlyMap<string, Uint8Array>) => KeyEntry,
): void {
  for (const replica of replicasOf(registry, primary.doc)) {
    const { rotationEnabled, rotationPeriodInDays, nextRotationDate, materials } = primary.doc;
    const { rotationPeriodInDays: _p, nextRotationDate: _n, ...own } = replica.doc;
    const doc: KeyDoc = { ...own, rotationEnabled, materials };
    if (rotationPeriodInDays !== undefined) doc.rotationPeriodInDays = rotationPeriodInDays;
    if (nextRotationDate !== undefined) doc.nextRotationDate = nextRotationDate;
    tx.putKey(seal(doc, primary.material));
  }
}

/** MultiRegionConfiguration of a key as DescribeKey reports it (undefined for single-Region keys). */
export function multiRegionConfiguration(registry: Registry, doc: KeyDoc): MultiRegionConfiguration | undefined {
  if (!doc.multiRegion) return undefined;
  const primaryRegion = doc.primaryRegion ?? doc.region;
  const set = relatedKeys(registry, doc);
  const primary = set.find((e) => e.doc.region === primaryRegion)?.doc;
  return {
    MultiRegionKeyType: primaryRegion === doc.region ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: {
      Arn: primary?.arn ?? doc.arn.replace(`:${doc.region}:`, `:${primaryRegion}:`),
      Region: primaryRegion,
    },
    ReplicaKeys: set
      .filter((e) => e.doc.region !== primaryRegion)
      .sort((a, b) => (a.doc.region < b.doc.region ? -1 : 1))
      .map((e) => ({ Arn: e.doc.arn, Region: e.doc.region })),
  };
}
