import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XKS_KEY_ID_PATTERN } from './codec.js';
import { serveXksRequest, writeXksJson } from './node-http.js';
import {
  type XksKeyVault,
  XksProxy,
  type XksProxyOptions,
  type XksStoreAccess,
  type XksStoreResolver,
  type XksVaultKey,
} from './proxy.js';
import type { XksKeyUsage } from './xks-types.js';

/**
 * A complete XKS proxy that needs no database: stores and keys held in memory, served
 * by node:http. Tests and emulator users run it to give the emulator's KMS a real
 * external key manager; it shares its core ({@link XksProxy}) with the service's proxy.
 */

/** Stores held in memory, by store id. */
export class InMemoryXksStores implements XksStoreResolver {
  private readonly stores = new Map<string, XksStoreAccess>();

  /** Adds or replaces a store. */
  put(storeId: string, access: XksStoreAccess): void {
    this.stores.set(storeId, { ...access, credentials: [...access.credentials] });
  }

  /** Blocks or unblocks a store. @throws Error for an unknown store */
  setBlocked(storeId: string, blocked: boolean): void {
    const s = this.stores.get(storeId);
    if (!s) throw new Error(`Unknown XKS store ${storeId}`);
    this.stores.set(storeId, { ...s, blocked });
  }

  remove(storeId: string): void {
    this.stores.delete(storeId);
  }

  async resolveXksStore(storeId: string): Promise<XksStoreAccess | undefined> {
    return this.stores.get(storeId);
  }
}

/** AES-256 keys held in memory, by account and key id. */
export class InMemoryXksKeyVault implements XksKeyVault {
  private readonly keys = new Map<string, XksVaultKey>();

  /**
   * Creates a key with fresh random material and returns its id; `keyUsage` restricts what
   * it may do (default ENCRYPT and DECRYPT).
   * @throws Error when the id is malformed or taken
   */
  createKey(
    account: string,
    keyId: string = randomUUID(),
    keyUsage: readonly XksKeyUsage[] = ['ENCRYPT', 'DECRYPT'],
  ): string {
    if (!XKS_KEY_ID_PATTERN.test(keyId)) throw new Error('keyId must be 1 to 128 characters of [a-zA-Z0-9-_.]');
    const k = this.id(account, keyId);
    if (this.keys.has(k)) throw new Error(`XKS key ${keyId} already exists`);
    this.keys.set(k, { material: randomBytes(32), enabled: true, keyUsage: [...keyUsage] });
    return keyId;
  }

  /** @throws Error for an unknown key */
  setEnabled(account: string, keyId: string, enabled: boolean): void {
    const key = this.keys.get(this.id(account, keyId));
    if (!key) throw new Error(`Unknown XKS key ${keyId}`);
    this.keys.set(this.id(account, keyId), { ...key, enabled });
  }

  /** Deletes a key and its material; its ciphertexts can no longer be decrypted. */
  deleteKey(account: string, keyId: string): boolean {
    const k = this.id(account, keyId);
    const key = this.keys.get(k);
    if (key) Buffer.from(key.material.buffer, key.material.byteOffset, key.material.length).fill(0);
    return this.keys.delete(k);
  }

  async getXksKey(account: string, keyId: string): Promise<XksVaultKey | undefined> {
    const key = this.keys.get(this.id(account, keyId));
    return key && { material: key.material, enabled: key.enabled, keyUsage: key.keyUsage };
  }

  private id(account: string, keyId: string): string {
    return `${account}\u0000${keyId}`;
  }
}

/** The store id used when a request path has no prefix before `/kms/xks/v1`. */
export const DEFAULT_STANDALONE_STORE_ID = 'default';

/**
 * Maps a request path to (store id, path relative to the URI path): `/<storeId>/kms/xks/v1/health`
 * → (`<storeId>`, `/health`); `/kms/xks/v1/health` → (`default`, `/health`). Undefined otherwise.
 */
export function splitStandalonePath(pathname: string): { storeId: string; path: string } | undefined {
  const m = /^(?:\/([A-Za-z0-9_-]+))?\/kms\/xks\/v1(\/.*)$/.exec(pathname);
  return m ? { storeId: m[1] ?? DEFAULT_STANDALONE_STORE_ID, path: m[2]! } : undefined;
}

/** A running standalone proxy. */
export interface StandaloneXksProxy {
  /** `http://host:port` (no path). */
  baseUrl: string;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * Starts a standalone XKS proxy on `host:port` (port 0 picks a free one). A store with
 * id S is served at URI path `/S/kms/xks/v1`; the store `default` also at `/kms/xks/v1`.
 * Bodies larger than the proxy's bound are refused without being buffered.
 */
export async function startStandaloneXksProxy(opts: {
  stores: XksStoreResolver;
  vault: XksKeyVault;
  port?: number;
  host?: string;
  proxy?: XksProxyOptions;
}): Promise<StandaloneXksProxy> {
  const proxy = new XksProxy(opts.stores, opts.vault, opts.proxy);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const split = splitStandalonePath(url.split('?', 1)[0]!);
    if (!split)
      return writeXksJson(res, 404, {
        errorName: 'InvalidUriPathException',
        errorMessage: 'The request path is not an XKS API v1 path',
      });
    serveXksRequest(proxy, req, res, { ...split, requestUrl: url, maxBodyBytes: opts.proxy?.maxBodyBytes }).catch(
      () => {
        if (!res.headersSent)
          writeXksJson(res, 500, { errorName: 'InternalException', errorMessage: 'The XKS proxy failed' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    baseUrl: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
