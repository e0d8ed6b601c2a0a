import { CTX, errorOf, openHarness, type Harness } from './helpers.js';
import { FaultInjector, parseFaultRules } from '../../../src/emulator/core/faults.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(() => h.emulator.close());

test('throttle rules answer ThrottlingException for the chosen operation only, count times', async () => {
  h.emulator.setFaults([{ operation: 'CreateKey', kind: 'throttle', count: 2 }]);
  expect((await errorOf(() => h.emulator.call(CTX, 'CreateKey', {}))).awsName).toBe('ThrottlingException');
  await h.emulator.call(CTX, 'ListKeys', {});
  expect((await errorOf(() => h.emulator.call(CTX, 'CreateKey', {}))).awsName).toBe('ThrottlingException');
  expect(h.emulator.faults()).toEqual([]);
  await h.emulator.call(CTX, 'CreateKey', {});
  expect((await h.emulator.call(CTX, 'ListKeys', {})).Keys).toHaveLength(1);
});

test('error rules answer KMSInternalException or DependencyTimeoutException (server faults) for every operation', async () => {
  h.emulator.setFaults([{ operation: '*', kind: 'error', error: 'DependencyTimeoutException' }]);
  const err = await errorOf(() => h.emulator.call(CTX, 'ListKeys', {}));
  expect(err.awsName).toBe('DependencyTimeoutException');
  expect(err.fault).toBe('server');
  h.emulator.setFaults([{ operation: '*', kind: 'error' }]);
  expect((await errorOf(() => h.emulator.call(CTX, 'ListAliases', {}))).awsName).toBe('KMSInternalException');
  h.emulator.setFaults([]);
  await h.emulator.call(CTX, 'ListKeys', {});
});

test('latency rules delay the call', async () => {
  h.emulator.setFaults([{ operation: 'ListKeys', kind: 'latency', latencyMs: 60 }]);
  const t0 = Date.now();
  await h.emulator.call(CTX, 'ListKeys', {});
  expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
});

test('rate picks calls at random', async () => {
  const f = new FaultInjector();
  f.set([{ operation: '*', kind: 'throttle', rate: 0.5 }]);
  const draws = [0.1, 0.9];
  await expect(f.apply('Encrypt', () => draws.shift()!)).rejects.toMatchObject({ awsName: 'ThrottlingException' });
  await expect(f.apply('Encrypt', () => draws.shift()!)).resolves.toBeUndefined();
});

test.each([
  [{}, 'operation'],
  [[{ operation: 'Nope', kind: 'throttle' }], 'operation'],
  [[{ operation: '*', kind: 'boom' }], 'kind'],
  [[{ operation: '*', kind: 'throttle', rate: 2 }], 'rate'],
  [[{ operation: '*', kind: 'throttle', count: 0 }], 'count'],
  [[{ operation: '*', kind: 'latency' }], 'latencyMs'],
  [[{ operation: '*', kind: 'throttle', error: 'KMSInternalException' }], 'error'],
])('invalid rules %j are refused', (rules, what) => {
  expect(() => parseFaultRules(Array.isArray(rules) ? rules : [rules])).toThrow(what);
});

test('an invalid rule list leaves the previous rules in place', () => {
  h.emulator.setFaults([{ operation: 'Encrypt', kind: 'throttle' }]);
  expect(() => h.emulator.setFaults([{ operation: 'x', kind: 'throttle' }])).toThrow(TypeError);
  expect(h.emulator.faults()).toEqual([{ operation: 'Encrypt', kind: 'throttle' }]);
});
