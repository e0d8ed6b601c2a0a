/** Shared helpers of the custom key store integration tests (not a test file). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { bearer, startTestApp, type TestApp } from '../../fixtures/app.js';
import { XksProxy } from '../../../src/xks/proxy.js';
import { signXksRequest } from '../../../src/xks/xks-authentication.js';
import { parseXksEndpoints } from '../../../src/emulator/emulator.js';
import { HttpXksClient } from '../../../src/xks/client.js';
import {
  activeCluster,
  emulatorAccess,
  type ActiveCluster,
  type ActiveClusterOptions,
} from '../../support/cloudhsm-cluster.js';
import { ACCOUNT_ID, type Body } from '../keys/helpers.js';

export { ACCOUNT_ID, emulator, expectBadRequest, KEYS, type Body } from '../keys/helpers.js';
export { expectError } from '../api/helpers.js';

export const STORES = '/api/v1/cckm/aws/custom-key-stores';
export const REGION = 'us-east-1';

/** POST `path` with `body` as `token` (default admin). */
export function post(t: TestApp, path: string, body?: object, token = t.adminToken): Promise<Response> {
  const req = request(t.http).post(path).set('Authorization', bearer(token));
  return body === undefined ? req : req.send(body);
}

export function get(t: TestApp, path: string, token = t.adminToken): Promise<Response> {
  return request(t.http).get(path).set('Authorization', bearer(token));
}

export function patch(t: TestApp, path: string, body: object, token = t.adminToken): Promise<Response> {
  return request(t.http).patch(path).set('Authorization', bearer(token)).send(body);
}

export function del(t: TestApp, path: string, token = t.adminToken): Promise<Response> {
  return request(t.http).delete(path).set('Authorization', bearer(token));
}

/** A response that must have `status`; returns its body. */
export function ok(res: Response, status = 200): Body {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Body;
}

/** A CloudHSM cluster made ACTIVE (two HSMs, kmsuser set) in the test app's emulator. */
export function cluster(t: TestApp, options: ActiveClusterOptions = {}, region = REGION): Promise<ActiveCluster> {
  return activeCluster(emulatorAccess(t.composed.emulator!, { accountId: ACCOUNT_ID, region }), options);
}

/** The create body of a CloudHSM store over `c`. */
export function hsmBody(name: string, c: ActiveCluster, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    kms: 'kms',
    region: REGION,
    aws_param: {
      custom_key_store_type: 'AWS_CLOUDHSM',
      cloud_hsm_cluster_id: c.clusterId,
      key_store_password: c.kmsuserPassword,
      trust_anchor_certificate: c.trustAnchorPem,
      ...extra,
    },
  };
}

/**
 * Polls GET {id} (as a client does after connect) until the connection state is one of
 * `states`; returns the record. @throws after 10 s
 */
export async function pollState(t: TestApp, id: string, states: string[]): Promise<Body> {
  await t.composed.emulator!.settled();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const body = ok(await get(t, `${STORES}/${id}`));
    if (states.includes(body.aws_param.connection_state)) return body;
    if (Date.now() > deadline)
      throw new Error(`store ${id} stayed ${body.aws_param.connection_state}, expected ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { later } from '../../fixtures/app.js';

/**
 * Asserts that no secret given to the API appears anywhere in a response, and that a
 * successful answer has no secret-bearing field at all (a 400 may name such a field).
 */
export function expectNoSecrets(res: Response, ...secrets: string[]): void {
  for (const s of secrets) expect(res.text).not.toContain(s);
  if (res.status < 400)
    expect(res.text).not.toMatch(
      /key_store_password|raw_secret_access_key|secret_access_key|xks_credential|access_key_id/i,
    );
}

/**
 * Points the test app's emulator at proxies that started after it (their ports are only
 * known then; EMULATOR_XKS_ENDPOINTS syntax), with a generous timeout: a loaded test
 * machine must not turn into XKS_PROXY_TIMED_OUT.
 */
export function wireXks(t: TestApp, endpoints: string): void {
  const emu = t.composed.emulator as unknown as { keyStoreOptions: Record<string, unknown> };
  emu.keyStoreOptions = {
    ...emu.keyStoreOptions,
    xksClient: new HttpXksClient({ timeoutMs: 15_000 }),
    xksEndpointResolver: parseXksEndpoints(endpoints),
  };
}

/** Where hosted stores say their proxy is (CCKM_XKS_PROXY_PUBLIC_ENDPOINT); wired to the app's own listener. */
export const XKS_PUBLIC_ENDPOINT = 'https://cckm.example.com';

/** An app hosting an XKS store: its proxy listens on loopback behind XKS_PUBLIC_ENDPOINT. */
export interface HostedStoreApp {
  t: TestApp;
  proxy: XksProxy;
  /** The store's record, created (not yet connected). */
  store: Body;
  /** Calls the store's proxy at `path` (`/health`, `/keys/{id}/encrypt`) signed with `credential`, as KMS would. */
  callProxy(path: string, body: object, credential: XksCredential): ReturnType<XksProxy['handle']>;
  close(): Promise<void>;
}

/** A third-party XKS proxy's credential (the standalone proxy), as the REST API takes it. */
export const THIRD_PARTY_XKS_CREDENTIAL = {
  access_key_id: 'ABCDEFGHIJKLMNOPQRSTUVWX',
  raw_secret_access_key: 'c2VjcmV0LW9mLXRoZS10aGlyZC1wYXJ0eS1wcm94eS0x',
};

/** An API credential as the standalone proxy's store list takes it. */
export const asProxyCredential = (c: typeof THIRD_PARTY_XKS_CREDENTIAL): XksCredential => ({
  accessKeyId: c.access_key_id,
  secretAccessKey: c.raw_secret_access_key,
});

export interface XksCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

export async function startHostedStoreApp(label: string, storeName: string): Promise<HostedStoreApp> {
  const t = await startTestApp(label, { env: { CCKM_XKS_PROXY_PUBLIC_ENDPOINT: XKS_PUBLIC_ENDPOINT } });
  const proxy = new XksProxy(t.composed.services.xksStores, t.composed.services.xksKeys);
  const server = await new Promise<Server>((resolve) => {
    const s = t.http.listen(0, '127.0.0.1', () => resolve(s));
  });
  wireXks(t, `${XKS_PUBLIC_ENDPOINT}=http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const store = ok(
    await post(t, STORES, {
      name: storeName,
      kms: 'kms',
      region: REGION,
      linked_state: true,
      aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      local_hosted_params: {},
    }),
    201,
  );
  return {
    t,
    proxy,
    store,
    callProxy(path, body, credential) {
      const requestUrl = `/api/v1/cckm/aws/xks-proxy-endpoints/${store.id}/kms/xks/v1${path}`;
      const rawBody = Buffer.from(JSON.stringify(body));
      const url = new URL(`${XKS_PUBLIC_ENDPOINT}${requestUrl}`);
      const headers = signXksRequest({ method: 'POST', url, body: rawBody, credential, region: REGION });
      return proxy.handle({ storeId: store.id, method: 'POST', path, requestUrl, headers, rawBody });
    },
    async close() {
      await t.close();
      await new Promise((r) => server.close(r));
    },
  };
}
