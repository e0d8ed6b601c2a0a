import type { KmsProvider } from './kms-provider.js';

export type ProviderKind = 'aws' | 'emulator';
export type CloudName = 'aws' | 'aws-us-gov' | 'aws-cn';

/** Everything needed to reach KMS in one account and region. Secrets are decrypted, in memory only. */
export interface ProviderTarget {
  /** Identifies the connection's current settings; a changed connection gets fresh clients. */
  connectionId: string;
  connectionVersion: string;
  provider: ProviderKind;
  cloudName: CloudName;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpointUrl?: string;
  /** The KMS account's role (or else the connection's), assumed through STS before calling KMS. */
  assumeRoleArn?: string;
  assumeRoleExternalId?: string;
  stsRegionalEndpoints: 'legacy' | 'regional';
  stsRegion?: string;
}

export type ProviderFactory = (target: ProviderTarget) => KmsProvider;

/** Resolves a target to a provider instance; cckm/ depends on this interface only. */
export interface ProviderResolver {
  resolve(target: ProviderTarget): KmsProvider;
}

/**
 * Builds providers through the factory of their kind and caches them per connection
 * version and region, so SDK clients (and their sockets and credentials) are reused.
 */
export class ProviderRegistry implements ProviderResolver {
  private readonly cache = new Map<string, KmsProvider>();

  constructor(private readonly factories: Partial<Record<ProviderKind, ProviderFactory>>, private readonly maxEntries = 1000) {}

  resolve(target: ProviderTarget): KmsProvider {
    const key = [target.connectionId, target.connectionVersion, target.region, target.assumeRoleArn ?? ''].join('|');
    const hit = this.cache.get(key);
    if (hit) return hit;
    const factory = this.factories[target.provider];
    if (!factory) throw new Error(`No provider factory for ${target.provider}`);
    const provider = factory(target);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, provider);
    return provider;
  }

  /** Forgets every client of a connection (after it changed or was deleted). */
  evict(connectionId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${connectionId}|`)) this.cache.delete(key);
  }
}

/** The partition of a cloud name, as used in ARNs. */
export function partitionOf(cloud: string): string {
  return cloud === 'aws-us-gov' ? 'aws-us-gov' : cloud === 'aws-cn' ? 'aws-cn' : 'aws';
}

/** The cloud a region belongs to. */
export function cloudOfRegion(region: string): CloudName {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}
