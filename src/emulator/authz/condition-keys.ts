import type { ConditionContext } from '../../iam-policy/conditions.js';
import type { KeyDoc } from '../model/key-record.js';
import type { Principal } from './identities.js';

/**
 * The condition keys a KMS request carries (global `aws:` keys and KMS's `kms:` keys),
 * computed only when a policy's condition asks for one: most policies have no
 * conditions, and this is the emulator's hot path.
 */

/** What a request offers besides its input: who, when, over what, which key, how named. */
export interface RequestFacts {
  readonly principal: Principal;
  /** The KMS operation (or `ReEncryptFrom` / `ReEncryptTo` for ReEncrypt's two keys). */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly now: Date;
  readonly secureTransport: boolean;
  /** The key the request acts on (absent for account-level operations). */
  readonly key?: KeyDoc;
  /** The alias the request named the key by (kms:RequestAlias). */
  readonly requestAlias?: string;
  /** The aliases of the key (kms:ResourceAliases), computed on demand. */
  readonly aliases?: () => string[];
  /** The encryption context that applies (ReEncrypt's source or destination one). */
  readonly encryptionContext?: Readonly<Record<string, string>>;
}

const one = (v: unknown): string[] | undefined =>
  v === undefined || v === null ? undefined : [typeof v === 'string' ? v : String(v)];

const KEY_PROPERTY_OPS = new Set(['CreateKey', 'ReplicateKey']);
const DEFAULT_SYMMETRIC_OPS = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
]);
const GRANT_OPS = new Set(['CreateGrant', 'ListGrants', 'RevokeGrant']);

function pick(map: Readonly<Record<string, string>> | undefined, key: string): string[] | undefined {
  if (!map) return undefined;
  for (const k of Object.keys(map)) if (k.toLowerCase() === key) return [map[k]!];
  return undefined;
}

function tagsOf(tags: unknown): Record<string, string> | undefined {
  if (!Array.isArray(tags)) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags as { TagKey?: string; TagValue?: string }[]) if (t.TagKey) out[t.TagKey] = t.TagValue ?? '';
  return out;
}

function algorithmOf(f: RequestFacts): string[] | undefined {
  const i = f.input;
  const given =
    f.operation === 'ReEncryptFrom'
      ? i.SourceEncryptionAlgorithm
      : f.operation === 'ReEncryptTo'
        ? i.DestinationEncryptionAlgorithm
        : i.EncryptionAlgorithm;
  if (given !== undefined) return one(given);
  return DEFAULT_SYMMETRIC_OPS.has(f.operation) ? ['SYMMETRIC_DEFAULT'] : undefined;
}

function keyProperty(f: RequestFacts, name: 'keySpec' | 'keyUsage' | 'origin' | 'multiRegion'): string[] | undefined {
  if (f.key && !KEY_PROPERTY_OPS.has(f.operation)) return one(f.key[name]);
  if (f.operation !== 'CreateKey') return f.key ? one(f.key[name]) : undefined;
  const i = f.input;
  if (name === 'keySpec') return one(i.KeySpec ?? i.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT');
  if (name === 'keyUsage') return one(i.KeyUsage ?? 'ENCRYPT_DECRYPT');
  if (name === 'origin') return one(i.Origin ?? 'AWS_KMS');
  return [String(i.MultiRegion === true)];
}

/** The condition context of a request (keys asked for in lower case). */
export function conditionContext(f: RequestFacts): ConditionContext {
  return (key) => {
    const p = f.principal;
    const i = f.input;
    switch (key) {
      case 'aws:principalarn':
        return [p.roleArn ?? p.arn];
      case 'aws:principalaccount':
      case 'kms:calleraccount':
        return [p.accountId];
      case 'aws:principaltype':
        return [p.type];
      case 'aws:username':
        return one(p.username);
      case 'aws:userid':
        return [p.userId];
      case 'aws:currenttime':
        return [f.now.toISOString()];
      case 'aws:epochtime':
        return [String(Math.floor(f.now.getTime() / 1000))];
      case 'aws:securetransport':
        return [String(f.secureTransport)];
      case 'kms:keyspec':
        return keyProperty(f, 'keySpec');
      case 'kms:keyusage':
        return keyProperty(f, 'keyUsage');
      case 'kms:keyorigin':
        return keyProperty(f, 'origin');
      case 'kms:multiregion':
        return keyProperty(f, 'multiRegion');
      case 'kms:encryptioncontextkeys':
        return f.encryptionContext ? Object.keys(f.encryptionContext) : undefined;
      case 'kms:encryptionalgorithm':
        return algorithmOf(f);
      case 'kms:signingalgorithm':
        return one(i.SigningAlgorithm);
      case 'kms:macalgorithm':
        return one(i.MacAlgorithm);
      case 'kms:messagetype':
        return f.operation === 'Sign' || f.operation === 'Verify' ? one(i.MessageType ?? 'RAW') : undefined;
      case 'kms:grantoperations':
        return f.operation === 'CreateGrant' && Array.isArray(i.Operations) ? (i.Operations as string[]) : undefined;
      case 'kms:granteeprincipal':
        return f.operation === 'CreateGrant' ? one(i.GranteePrincipal) : undefined;
      case 'kms:retiringprincipal':
        return f.operation === 'CreateGrant' ? one(i.RetiringPrincipal) : undefined;
      case 'kms:grantconstrainttype': {
        const c = f.operation === 'CreateGrant' ? (i.Constraints as Record<string, unknown> | undefined) : undefined;
        const kinds = Object.keys(c ?? {}).filter((k) => Object.keys((c![k] as object | undefined) ?? {}).length > 0);
        return kinds.length > 0 ? kinds : undefined;
      }
      case 'kms:grantisforawsresource':
        // Set by integrated AWS services; a direct call is never one.
        return GRANT_OPS.has(f.operation) ? ['false'] : undefined;
      case 'kms:viaservice':
        return undefined;
      case 'kms:requestalias':
        return one(f.requestAlias);
      case 'kms:resourcealiases': {
        const a = f.aliases?.();
        return a && a.length > 0 ? a : undefined;
      }
      case 'kms:bypasspolicylockoutsafetycheck':
        return f.operation === 'CreateKey' || f.operation === 'PutKeyPolicy'
          ? [String(i.BypassPolicyLockoutSafetyCheck === true)]
          : undefined;
      case 'kms:rotationperiodindays':
        return one(i.RotationPeriodInDays);
      case 'aws:tagkeys': {
        const keys = Array.isArray(i.TagKeys) ? (i.TagKeys as string[]) : Object.keys(tagsOf(i.Tags) ?? {});
        return keys.length > 0 ? keys : undefined;
      }
      default:
        return prefixed(f, key);
    }
  };
}

function prefixed(f: RequestFacts, key: string): string[] | undefined {
  if (key.startsWith('kms:encryptioncontext:')) return pick(f.encryptionContext, key.slice(22));
  if (key.startsWith('aws:resourcetag/'))
    return f.key ? pick(tagsOf(f.key.tags), key.slice('aws:resourcetag/'.length)) : undefined;
  if (key.startsWith('aws:requesttag/')) return pick(tagsOf(f.input.Tags), key.slice('aws:requesttag/'.length));
  return undefined;
}
