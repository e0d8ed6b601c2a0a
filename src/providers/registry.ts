import type { KmsProvider } from './kms-provider.js';

export type ProviderKind = 'aws' | 'emulator';
export type CloudName = 'aws' | 'aws-us-gov' | 'aws-cn';

/** Everything needed to reach KMS in one account and region. Secrets are decrypted, in memory only. */
export interface ProviderTarget {
  /** Identifies the connection's current settings; a changed connection gets fresh clients. */
  connectionId: string;
  connectionVersion: string;
  /**
   * The opencckm account (tenant) owning the connection. The shared emulator maps it to
   * the tenant's own emulator account; AWS ignores it.
   */
  tenant: string;
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
  /** Drops (and closes) every provider of a connection, e.g. after a one-off connection test. */
  evict(connectionId: string): void;
}

/**
 * Builds providers through the factory of their kind and caches them per connection
 * version, region and role, so SDK clients (and their sockets and credentials) are reused.
 * Providers leave the cache, and are closed, when their connection changes (a new version
 * is resolved, or {@link evict}) or when they are the least recently used of `maxEntries`.
 */
export class ProviderRegistry implements ProviderResolver {
  private readonly cache = new Map<string, KmsProvider>();
  /** The version last resolved per connection: a newer one retires the older providers. */
  private readonly versions = new Map<string, string>();

  constructor(
    private readonly factories: Partial<Record<ProviderKind, ProviderFactory>>,
    private readonly maxEntries = 1000,
  ) {}

  resolve(target: ProviderTarget): KmsProvider {
    const key = `${target.connectionId}|${target.connectionVersion}|${target.tenant}|${target.region}|${target.assumeRoleArn ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) {
      // Least recently used order: a hit moves to the end (Map keeps insertion order).
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const factory = this.factories[target.provider];
    if (!factory) throw new Error(`No provider factory for ${target.provider}`);
    if (this.versions.get(target.connectionId) !== target.connectionVersion) {
      this.evict(target.connectionId);
      this.versions.set(target.connectionId, target.connectionVersion);
    }
    const provider = factory(target);
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.drop(oldest);
    }
    this.cache.set(key, provider);
    return provider;
  }

  /** Forgets and closes every provider of a connection (after it changed or was deleted). */
  evict(connectionId: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${connectionId}|`)) this.drop(key);
    this.versions.delete(connectionId);
  }

  /** Closes every cached provider (service shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    this.versions.clear();
    await Promise.all(all.map((p) => closeQuietly(p)));
  }

  private drop(key: string): void {
    const provider = this.cache.get(key);
    this.cache.delete(key);
    // Providers finish the calls they have in flight before releasing their sockets.
    if (provider) void closeQuietly(provider);
  }
}

async function closeQuietly(p: KmsProvider): Promise<void> {
  try {
    await p.close?.();
  } catch {
    // Closing releases sockets; a failure there has nobody to report to.
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
