import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorWireHandler } from '../../../../src/emulator/wire/handler.js';
import { HSM_ACCOUNT, openHsmHarness, SUBNETS, type HsmHarness } from './helpers.js';

let h: HsmHarness;
let server: Server;
let url: string;

beforeEach(async () => {
  h = await openHsmHarness();
  // Open mode: raw, unsigned CloudHSM protocol requests (signing is covered by wire-auth.test.ts and the contract tests).
  server = createServer(
    createEmulatorWireHandler(h.emulator, {
      credentials: {},
      auth: 'off',
      defaultAccountId: HSM_ACCOUNT,
      defaultRegion: 'eu-west-1',
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await h.emulator.close();
});

const post = (target: string, body: string, contentType = 'application/x-amz-json-1.1') =>
  fetch(url, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': contentType }, body });

test('CloudHSM operations are served on the KMS port; timestamps are epoch seconds', async () => {
  const res = await post(
    'BaldrApiService.CreateCluster',
    JSON.stringify({ HsmType: 'hsm1.medium', SubnetIds: SUBNETS.slice(0, 1) }),
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { Cluster: { ClusterId: string; CreateTimestamp: number } };
  expect(typeof body.Cluster.CreateTimestamp).toBe('number');
  expect(body.Cluster.CreateTimestamp).toBeCloseTo(h.clock.now().getTime() / 1000, 3);
  expect(h.emulator.cloudHsm.findCluster(HSM_ACCOUNT, 'eu-west-1', body.Cluster.ClusterId)).toBeDefined();
});

test.each([
  ['BaldrApiService.DescribeBackups', '{}', undefined, 'UnknownOperationException'],
  ['BaldrApiService.toString', '{}', undefined, 'UnknownOperationException'],
  ['BaldrApiService.DescribeClusters', '{}', 'application/json', 'SerializationException'],
  ['BaldrApiService.DescribeClusters', '{not json', undefined, 'SerializationException'],
  ['BaldrApiService.DescribeClusters', '[1,2]', undefined, 'CloudHsmInvalidRequestException'],
  [
    'BaldrApiService.CreateHsm',
    '{"ClusterId":"cluster-abcdefghijk","AvailabilityZone":"eu-west-1a"}',
    undefined,
    'CloudHsmResourceNotFoundException',
  ],
])('%s %s (%s) → 400 %s', async (target, body, contentType, type) => {
  const res = await post(target, body, contentType);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { __type: string }).__type).toBe(type);
});

test('the admin paths are off by default', async () => {
  const res = await fetch(`${url}/_opencckm/cloudhsm/clusters/cluster-abcdefghijk/activate`, {
    method: 'POST',
    body: '{"password":"Passw0rd!"}',
  });
  expect(res.status).toBe(404);
});
