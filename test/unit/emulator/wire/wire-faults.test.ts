import { CreateKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { startWire, type WireHarness } from './wire-harness.js';

let w: WireHarness | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const admin = (method: string, body?: unknown) =>
  fetch(`${w!.endpoint}/_opencckm/faults`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });

test('the admin endpoint is absent unless fault injection is enabled', async () => {
  w = await startWire();
  const res = await admin('POST', { faults: [{ operation: '*', kind: 'throttle' }] });
  expect(res.status).toBe(404);
  expect(w.emulator.faults()).toEqual([]);
});

test('POST sets rules that AWS SDK clients see as throttling and 5xx; DELETE clears them', async () => {
  w = await startWire({ enableFaultInjection: true });
  const kms = w.kms();
  let res = await admin('POST', {
    faults: [
      { operation: 'CreateKey', kind: 'throttle', count: 1 },
      { operation: 'ListKeys', kind: 'error', error: 'DependencyTimeoutException' },
    ],
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { faults: unknown[] }).faults).toHaveLength(2);
  await expect(kms.send(new CreateKeyCommand({}))).rejects.toMatchObject({
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
  await expect(kms.send(new ListKeysCommand({}))).rejects.toMatchObject({
    name: 'DependencyTimeoutException',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
  });
  await kms.send(new CreateKeyCommand({}));
  res = await admin('GET');
  expect(await res.json()).toEqual({
    faults: [{ operation: 'ListKeys', kind: 'error', error: 'DependencyTimeoutException' }],
  });
  expect((await admin('DELETE')).status).toBe(204);
  expect((await kms.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  expect((await admin('POST', [{ operation: '*', kind: 'error' }])).status).toBe(200);
  await expect(kms.send(new ListKeysCommand({}))).rejects.toMatchObject({
    name: 'KMSInternalException',
    $metadata: { httpStatusCode: 500 },
  });
  res = await admin('POST', { faults: [{ operation: '*', kind: 'nope' }] });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { message: string }).message).toContain('kind');
  kms.destroy();
});
