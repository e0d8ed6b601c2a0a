import type { KeySpec, KeyUsageType } from '@aws-sdk/client-kms';
import { ValidationError } from '../../errors/index.js';
import { importableSpec } from '../crypto/imported-material.js';
import { accountRootArn, isChinaRegion, partitionOf } from '../model/arn.js';
import { checkNewKeyPolicy } from '../model/key-policy-document.js';
import { KEY_SPECS, isHmacSpec, usagesOf } from '../model/key-specs.js';
import type { EmulatorSeed, SeedDefaults, SeedKey, SeedOrigin } from './seed-document.js';
import { SEED_LIMITS } from './seed-document.js';
import {
  isObject,
  optionalArray,
  optionalBoolean,
  optionalString,
  readAliases,
  readTags,
  rejectUnknownFields,
  SeedIssues,
} from './seed-fields.js';
import { decodeSeedMaterial, SeedMaterialError } from './seed-key-material.js';

/** The seed file format version this emulator reads. */
const SEED_FORMAT_VERSION = 1;

const KEY_FIELDS = [
  'KeyId',
  'AccountId',
  'Region',
  'Description',
  'KeySpec',
  'KeyUsage',
  'Origin',
  'MultiRegion',
  'ReplicaRegions',
  'Enabled',
  'Policy',
  'BypassPolicyLockoutSafetyCheck',
  'Tags',
  'Aliases',
  'KeyMaterial',
] as const;

const ACCOUNT = /^\d{12}$/;
const REGION = /^([a-z]+-){2,3}\d+$/;
const SINGLE_REGION_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MULTI_REGION_KEY_ID = /^mrk-[0-9a-f]{32}$/;

/**
 * Parses and validates a whole seed (EMULATOR_SEED) before anything is created: the JSON
 * text, its shape (unknown fields are errors), every key's spec, usage, Region rules,
 * policy, tags, aliases and material, and that no key id or alias is seeded twice in one
 * account and Region. Defaults (account, Region) come from the emulator's configuration.
 *
 * @throws ValidationError listing every problem found (up to 50), each named by its JSON
 *   path, e.g. `keys[3].KeySpec: ...`
 */
export function parseEmulatorSeed(text: string, defaults: SeedDefaults): EmulatorSeed {
  if (Buffer.byteLength(text, 'utf8') > SEED_LIMITS.fileBytes) {
    throw ValidationError.field('$', `the seed is larger than ${SEED_LIMITS.fileBytes} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw ValidationError.field('$', `not valid JSON (${err instanceof Error ? err.message : 'parse error'})`);
  }
  const issues = new SeedIssues();
  const keys: SeedKey[] = [];
  if (!isObject(doc)) {
    issues.add('$', 'must be an object with "version" and "keys"');
  } else {
    rejectUnknownFields(issues, '$', doc, ['version', 'keys']);
    if (doc.version !== SEED_FORMAT_VERSION) issues.add('version', `must be ${SEED_FORMAT_VERSION}`);
    if (doc.keys === undefined) issues.add('keys', 'is required');
    optionalArray(issues, 'keys', doc.keys, SEED_LIMITS.keys).forEach((entry, i) => {
      const key = readKey(issues, `keys[${i}]`, entry, defaults);
      if (key) keys.push(key);
    });
    checkUnique(issues, keys);
  }
  if (issues.list.length > 0) throw ValidationError.fields(issues.list);
  return { keys };
}

/** One entry of `keys`; undefined when it has problems (recorded in `issues`). */
function readKey(issues: SeedIssues, path: string, entry: unknown, defaults: SeedDefaults): SeedKey | undefined {
  if (!isObject(entry)) {
    issues.add(path, 'must be an object');
    return undefined;
  }
  const before = issues.list.length;
  rejectUnknownFields(issues, path, entry, KEY_FIELDS);
  const at = (f: string) => `${path}.${f}`;
  const accountId =
    optionalString(issues, at('AccountId'), entry.AccountId, { max: 12, pattern: ACCOUNT, expected: '12 digits' }) ??
    defaults.accountId;
  const region =
    optionalString(issues, at('Region'), entry.Region, { max: 32, pattern: REGION, expected: 'an AWS Region' }) ??
    defaults.region;
  const multiRegion = optionalBoolean(issues, at('MultiRegion'), entry.MultiRegion, false);
  const keyId = readKeyId(issues, at('KeyId'), entry.KeyId, multiRegion);
  const description =
    optionalString(issues, at('Description'), entry.Description, { max: SEED_LIMITS.descriptionChars }) ?? '';
  const keySpec = readKeySpec(issues, at('KeySpec'), entry.KeySpec, region);
  const keyUsage = keySpec ? readKeyUsage(issues, at('KeyUsage'), entry.KeyUsage, keySpec) : undefined;
  const origin = readOrigin(issues, at('Origin'), entry.Origin, keySpec);
  const replicaRegions = readReplicaRegions(issues, at('ReplicaRegions'), entry.ReplicaRegions, region, multiRegion);
  const enabled = optionalBoolean(issues, at('Enabled'), entry.Enabled, true);
  const bypass = optionalBoolean(
    issues,
    at('BypassPolicyLockoutSafetyCheck'),
    entry.BypassPolicyLockoutSafetyCheck,
    false,
  );
  const policy = readPolicy(issues, at('Policy'), entry.Policy, accountRootArn(region, accountId), bypass);
  const tags = readTags(issues, at('Tags'), entry.Tags);
  const aliases = readAliases(issues, at('Aliases'), entry.Aliases);
  const material =
    entry.KeyMaterial !== undefined && keySpec && origin
      ? readMaterial(issues, at('KeyMaterial'), entry.KeyMaterial, keySpec, origin)
      : undefined;
  if (issues.list.length > before || !keyId || !keySpec || !keyUsage || !origin) return undefined;
  return {
    path,
    accountId,
    region,
    keyId,
    description,
    keySpec,
    keyUsage,
    origin,
    multiRegion,
    replicaRegions,
    enabled,
    ...(policy !== undefined ? { policy } : {}),
    tags,
    aliases,
    ...(material ? { material } : {}),
  };
}

function readKeyId(issues: SeedIssues, path: string, value: unknown, multiRegion: boolean): string | undefined {
  if (value === undefined) {
    issues.add(path, 'is required (seeded keys have fixed ids)');
    return undefined;
  }
  return optionalString(issues, path, value, {
    max: 36,
    pattern: multiRegion ? MULTI_REGION_KEY_ID : SINGLE_REGION_KEY_ID,
    expected: multiRegion
      ? 'mrk- followed by 32 lowercase hex digits (a multi-Region key id)'
      : 'a lowercase UUID (a single-Region key id; multi-Region keys have mrk- ids and MultiRegion true)',
  });
}

function readKeySpec(issues: SeedIssues, path: string, value: unknown, region: string): KeySpec | undefined {
  const spec = (optionalString(issues, path, value, { max: 32 }) ?? 'SYMMETRIC_DEFAULT') as KeySpec;
  if (typeof value !== 'string' && value !== undefined) return undefined;
  if (!(spec in KEY_SPECS)) {
    issues.add(path, `must be one of ${Object.keys(KEY_SPECS).join(', ')}`);
    return undefined;
  }
  if (spec === 'SM2' && !isChinaRegion(region)) issues.add(path, 'SM2 keys exist only in the China Regions (cn-*)');
  if (isHmacSpec(spec) && isChinaRegion(region)) issues.add(path, 'HMAC keys do not exist in the China Regions');
  return spec;
}

function readKeyUsage(issues: SeedIssues, path: string, value: unknown, spec: KeySpec): KeyUsageType | undefined {
  const valid = usagesOf(spec);
  if (value === undefined) {
    if (valid.includes('ENCRYPT_DECRYPT')) return 'ENCRYPT_DECRYPT';
    issues.add(path, `is required for KeySpec ${spec} (one of ${valid.join(', ')})`);
    return undefined;
  }
  if (typeof value !== 'string' || !valid.includes(value as KeyUsageType)) {
    issues.add(path, `must be one of ${valid.join(', ')} for KeySpec ${spec}`);
    return undefined;
  }
  return value as KeyUsageType;
}

function readOrigin(issues: SeedIssues, path: string, value: unknown, spec: KeySpec | undefined) {
  if (value === undefined) return 'AWS_KMS' as SeedOrigin;
  if (value !== 'AWS_KMS' && value !== 'EXTERNAL') {
    issues.add(path, 'must be AWS_KMS or EXTERNAL (keys in custom key stores cannot be seeded)');
    return undefined;
  }
  if (value === 'EXTERNAL' && spec && !importableSpec(spec)) {
    issues.add(path, `AWS does not import key material into ${spec} keys`);
    return undefined;
  }
  return value as SeedOrigin;
}

function readReplicaRegions(issues: SeedIssues, path: string, value: unknown, region: string, multiRegion: boolean) {
  const regions: string[] = [];
  if (value !== undefined && !multiRegion) issues.add(path, 'only multi-Region keys (MultiRegion true) have replicas');
  optionalArray(issues, path, value, SEED_LIMITS.replicaRegionsPerKey).forEach((r, i) => {
    const name = optionalString(issues, `${path}[${i}]`, r, { max: 32, pattern: REGION, expected: 'an AWS Region' });
    if (name === undefined) return;
    if (name === region || regions.includes(name)) issues.add(`${path}[${i}]`, 'repeats a Region of the key');
    else if (partitionOf(name) !== partitionOf(region)) issues.add(`${path}[${i}]`, 'is in another AWS partition');
    else regions.push(name);
  });
  return regions;
}

function readPolicy(issues: SeedIssues, path: string, value: unknown, rootArn: string, bypass: boolean) {
  if (value === undefined) return undefined;
  // A policy may be written as JSON inside the seed, or as the exact text GetKeyPolicy should return.
  const text = isObject(value) ? JSON.stringify(value, null, 2) : value;
  if (typeof text !== 'string') {
    issues.add(path, 'must be a policy document (an object) or its JSON text');
    return undefined;
  }
  return issues.check(path, () => checkNewKeyPolicy(text, { principalArn: rootArn, bypassLockoutCheck: bypass }))
    ? text
    : undefined;
}

function readMaterial(issues: SeedIssues, path: string, value: unknown, spec: KeySpec, origin: SeedOrigin) {
  try {
    return decodeSeedMaterial(value, spec, origin);
  } catch (err) {
    if (!(err instanceof SeedMaterialError)) throw err;
    issues.add(err.field ? `${path}.${err.field}` : path, err.message);
    return undefined;
  }
}

/** No key id twice in one account and Region (replicas included), no alias twice in one account and Region. */
function checkUnique(issues: SeedIssues, keys: readonly SeedKey[]): void {
  const keyIds = new Map<string, string>();
  const aliases = new Map<string, string>();
  for (const k of keys) {
    for (const region of [k.region, ...k.replicaRegions]) {
      const id = `${k.accountId}/${region}/${k.keyId}`;
      const first = keyIds.get(id);
      if (first) issues.add(`${k.path}.KeyId`, `${k.keyId} is already seeded in ${region} by ${first}`);
      else keyIds.set(id, k.path);
    }
    k.aliases.forEach((name, i) => {
      const id = `${k.accountId}/${k.region}/${name}`;
      const first = aliases.get(id);
      if (first) issues.add(`${k.path}.Aliases[${i}]`, `${name} is already seeded in ${k.region} by ${first}`);
      else aliases.set(id, k.path);
    });
  }
}
