import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KmsEmulator } from '../../../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { HttpXksClient } from '../../../../src/xks/client.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../../src/xks/standalone-proxy.js';
import { ACCOUNT, REGION, FakeCloudHsmDirectory, XKS_CREDENTIAL, XKS_ENDPOINT, XKS_STORE_INPUT } from './harness.js';

/**
 * Proxy failures KMS must name exactly: a proxy that stops answering (XKS_PROXY_TIMED_OUT,
 * DependencyTimeoutException) or answers something that is not the XKS API
 * (XKS_PROXY_INVALID_RESPONSE). A relay in front of a real proxy switches between forwarding,
 * hanging and garbage.
 */

const CALLER = { accountId: ACCOUNT, region: REGION };
type Mode = 'forward' | 'hang' | 'garbage';

let proxy: StandaloneXksProxy;
let relay: Server;
let mode: Mode;
let emulator: KmsEmulator;
let vault: InMemoryXksKeyVault;
const hanging: ServerResponse[] = [];

function relayTo(target: URL) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (mode === 'hang') return void hanging.push(res);
    if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not xks</html>');
    const out = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(out);
  };
}

beforeEach(async () => {
  mode = 'forward';
  const stores = new InMemoryXksStores();
  vault = new InMemoryXksKeyVault();
  stores.put('default', {
    region: REGION,
    credentials: [{ accessKeyId: XKS_CREDENTIAL.AccessKeyId, secretAccessKey: XKS_CREDENTIAL.RawSecretAccessKey }],
    blocked: false,
    ownerAccount: ACCOUNT,
  });
  proxy = await startStandaloneXksProxy({ stores, vault });
  relay = createServer(relayTo(new URL(proxy.baseUrl)));
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  const { KmsEmulator: Emulator, parseXksEndpoints } = await import('../../../../src/emulator/emulator.js');
  emulator = await Emulator.open({
    store: new InMemoryEmulatorStore(),
    rootKey: new Uint8Array(randomBytes(32)),
    defaultAccountId: ACCOUNT,
    schedulerIntervalMs: 0,
    cloudHsmDirectory: new FakeCloudHsmDirectory(),
    xksClient: new HttpXksClient({ timeoutMs: 300 }),
    xksEndpointResolver: parseXksEndpoints(`${XKS_ENDPOINT}=${relayUrl}`),
  });
});
afterEach(async () => {
  for (const res of hanging.splice(0)) res.destroy();
  await emulator.close();
  relay.closeAllConnections();
  await new Promise((r) => relay.close(r));
  await proxy.close();
});

const newStore = async () => (await emulator.call(CALLER, 'CreateCustomKeyStore', XKS_STORE_INPUT)).CustomKeyStoreId!;

async function connectState(id: string) {
  await emulator.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
  await emulator.settled();
  return (await emulator.call(CALLER, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!;
}

describe('XKS proxy failures', () => {
  it('a proxy that does not answer in time: FAILED with XKS_PROXY_TIMED_OUT', async () => {
    const id = await newStore();
    mode = 'hang';
    expect(await connectState(id)).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'XKS_PROXY_TIMED_OUT',
    });
  });

  it('a proxy answering something that is not the XKS API: FAILED with XKS_PROXY_INVALID_RESPONSE', async () => {
    const id = await newStore();
    mode = 'garbage';
    expect(await connectState(id)).toMatchObject({
      ConnectionState: 'FAILED',
      ConnectionErrorCode: 'XKS_PROXY_INVALID_RESPONSE',
    });
  });

  it('at create time the same answers are XksProxyInvalidResponseException and XksProxyUriUnreachableException', async () => {
    mode = 'garbage';
    await expect(newStore()).rejects.toMatchObject({ awsName: 'XksProxyInvalidResponseException' });
    mode = 'hang';
    await expect(newStore()).rejects.toMatchObject({ awsName: 'XksProxyUriUnreachableException' });
  });

  it('a proxy that stops answering during Encrypt: DependencyTimeoutException; garbage: KMSInvalidStateException', async () => {
    const id = await newStore();
    await connectState(id);
    const keyId = (
      await emulator.call(CALLER, 'CreateKey', {
        Origin: 'EXTERNAL_KEY_STORE',
        CustomKeyStoreId: id,
        XksKeyId: vault.createKey(ACCOUNT),
      })
    ).KeyMetadata!.KeyId!;
    mode = 'hang';
    await expect(emulator.call(CALLER, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') })).rejects.toMatchObject(
      { awsName: 'DependencyTimeoutException' },
    );
    mode = 'garbage';
    await expect(emulator.call(CALLER, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x') })).rejects.toMatchObject(
      { awsName: 'KMSInvalidStateException' },
    );
  });
});
