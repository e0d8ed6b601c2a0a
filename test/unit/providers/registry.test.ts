import type { KmsProvider } from '../../../src/providers/kms-provider.js';
import { ProviderRegistry, type ProviderTarget } from '../../../src/providers/registry.js';

/** A provider that only records whether it was closed: the registry never calls KMS. */
const fakeProvider = (region: string) => {
  const p = { kind: 'emulator' as const, region, closed: 0, close: async () => void p.closed++ };
  return p as KmsProvider & { closed: number };
};

const target = (connectionId: string, version = '1', region = 'us-east-1'): ProviderTarget => ({
  connectionId,
  connectionVersion: version,
  tenant: 'kylo',
  provider: 'emulator',
  cloudName: 'aws',
  region,
  stsRegionalEndpoints: 'legacy',
});

const setup = (max?: number) => {
  const built: (KmsProvider & { closed: number })[] = [];
  const registry = new ProviderRegistry({ emulator: (t) => built[built.push(fakeProvider(t.region)) - 1]! }, max);
  return { registry, built };
};

test('caches one provider per connection version, region and role', () => {
  const { registry, built } = setup();
  const a = registry.resolve(target('c1'));
  expect(registry.resolve(target('c1'))).toBe(a);
  expect(registry.resolve({ ...target('c1'), assumeRoleArn: 'arn:aws:iam::111122223333:role/r' })).not.toBe(a);
  expect(registry.resolve(target('c1', '1', 'eu-west-1'))).not.toBe(a);
  // A tenant never gets a provider built for another tenant's target.
  expect(registry.resolve({ ...target('c1'), tenant: 'acme' })).not.toBe(a);
  expect(built).toHaveLength(4);
});

test('evict closes every provider of the connection and only those', () => {
  const { registry, built } = setup();
  registry.resolve(target('c1'));
  registry.resolve(target('c1', '1', 'eu-west-1'));
  const other = registry.resolve(target('c10'));
  registry.evict('c1');
  expect(built.map((p) => p.closed)).toEqual([1, 1, 0]);
  expect(registry.resolve(target('c10'))).toBe(other);
  expect(registry.resolve(target('c1'))).not.toBe(built[0]);
});

test('a new connection version retires (closes) the providers of the older one', () => {
  const { registry, built } = setup();
  registry.resolve(target('c1', 'v1'));
  registry.resolve(target('c1', 'v2'));
  expect(built.map((p) => p.closed)).toEqual([1, 0]);
});

test('the least recently used provider is closed when the cache is full', () => {
  const { registry, built } = setup(2);
  const a = registry.resolve(target('a'));
  registry.resolve(target('b'));
  expect(registry.resolve(target('a'))).toBe(a); // a is now the most recently used
  registry.resolve(target('c'));
  expect(built.map((p) => p.closed)).toEqual([0, 1, 0]);
});

test('closeAll closes everything', async () => {
  const { registry, built } = setup();
  registry.resolve(target('a'));
  registry.resolve(target('b'));
  await registry.closeAll();
  expect(built.map((p) => p.closed)).toEqual([1, 1]);
});
