import type { KeyMetadata, Tag } from '@aws-sdk/client-kms';
import { AppError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import type { KeyFacts } from './key-metadata.js';

/** Pages through a List* operation to the end (bounded, so a broken marker cannot loop forever). */
async function collect<T>(
  page: (marker?: string) => Promise<{ items: T[]; next?: string }>,
  maxPages = 100,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const { items, next } = await page(marker);
    out.push(...items);
    if (!next) break;
    marker = next;
  }
  return out;
}

export async function listAliasesOf(provider: KmsProvider, keyId: string): Promise<string[]> {
  const aliases = await collect(async (Marker) => {
    const r = await provider.kms('ListAliases', { KeyId: keyId, Limit: 100, ...(Marker ? { Marker } : {}) });
    return { items: r.Aliases ?? [], ...(r.Truncated && r.NextMarker ? { next: r.NextMarker } : {}) };
  });
  return aliases
    .map((a) => a.AliasName ?? '')
    .filter(Boolean)
    .sort();
}

async function listTagsOf(provider: KmsProvider, keyId: string): Promise<Tag[]> {
  return collect(async (Marker) => {
    const r = await provider.kms('ListResourceTags', { KeyId: keyId, Limit: 50, ...(Marker ? { Marker } : {}) });
    return { items: r.Tags ?? [], ...(r.Truncated && r.NextMarker ? { next: r.NextMarker } : {}) };
  });
}

function parsePolicyText(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Everything the record shows about a key, read from the provider: DescribeKey,
 * GetKeyPolicy, ListAliases, ListResourceTags and (where AWS supports it) the rotation status.
 */
export async function readKeyFacts(
  provider: KmsProvider,
  keyId: string,
  known: Partial<KeyFacts> = {},
): Promise<KeyFacts> {
  const metadata: KeyMetadata =
    known.metadata ?? (await provider.kms('DescribeKey', { KeyId: keyId })).KeyMetadata ?? ({} as KeyMetadata);
  const id = metadata.KeyId ?? keyId;
  const [policy, aliases, tags, rotation] = await Promise.all([
    known.policy !== undefined
      ? known.policy
      : provider.kms('GetKeyPolicy', { KeyId: id, PolicyName: 'default' }).then((r) => parsePolicyText(r.Policy)),
    known.aliases ?? listAliasesOf(provider, id),
    known.tags ?? listTagsOf(provider, id),
    known.rotationEnabled !== undefined
      ? ({ enabled: known.rotationEnabled } as Rotation)
      : rotationOf(provider, metadata),
  ]);
  return {
    metadata,
    policy,
    aliases,
    tags,
    rotationEnabled: rotation.enabled,
    ...(rotation.period !== undefined ? { rotationPeriodInDays: rotation.period } : {}),
    ...(rotation.next ? { nextRotationDate: rotation.next } : {}),
  };
}

/** Rotation applies only to symmetric encryption keys with AWS-generated material. */
interface Rotation {
  enabled: boolean;
  period?: number;
  next?: Date;
}

async function rotationOf(provider: KmsProvider, m: KeyMetadata): Promise<Rotation> {
  const rotatable = m.KeySpec === 'SYMMETRIC_DEFAULT' && m.Origin === 'AWS_KMS' && m.KeyState !== 'PendingDeletion';
  if (!rotatable || !m.KeyId) return { enabled: false };
  try {
    const r = await provider.kms('GetKeyRotationStatus', { KeyId: m.KeyId });
    return {
      enabled: r.KeyRotationEnabled ?? false,
      ...(r.RotationPeriodInDays !== undefined ? { period: r.RotationPeriodInDays } : {}),
      ...(r.NextRotationDate ? { next: r.NextRotationDate } : {}),
    };
  } catch (err) {
    // A disabled key cannot report rotation status; the record keeps "not enabled" then.
    if (
      err instanceof AppError &&
      (err.awsName === 'DisabledException' || err.awsName === 'KMSInvalidStateException')
    ) {
      return { enabled: false };
    }
    throw err;
  }
}
