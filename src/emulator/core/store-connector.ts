import type { ConnectionErrorCodeType, XksProxyConnectivityType } from '@aws-sdk/client-kms';
import type { CustomKeyStoreEntry } from '../model/custom-key-store.js';
import type { Registry } from './scope-registry.js';
import type { Transaction } from './transaction.js';

/**
 * Gives the base URL the emulator really calls for an external key store's proxy.
 * AWS requires XksProxyUriEndpoint to be `https://host` on port 443; a proxy under test
 * listens on `http://127.0.0.1:<port>`, so the emulator maps one to the other. For
 * VPC_ENDPOINT_SERVICE stores `undefined` means the endpoint service does not exist
 * (XksProxyVpcEndpointServiceNotFoundException); for PUBLIC_ENDPOINT stores it means
 * "call the endpoint as given".
 */
export type XksEndpointResolver = (
  uriEndpoint: string,
  connectivity: XksProxyConnectivityType,
  vpcEndpointServiceName?: string,
) => string | undefined;

/**
 * Parses `EMULATOR_XKS_ENDPOINTS`-style text: comma-separated `https://name=http://host:port`
 * pairs (a VPC endpoint service name may stand on the left too:
 * `com.amazonaws.vpce.us-east-1.vpce-svc-0abc=http://127.0.0.1:9001`). Endpoints are matched
 * exactly (case-insensitive host); unknown public endpoints are called as given.
 *
 * @throws TypeError naming the bad entry
 */
export function parseXksEndpoints(text: string): XksEndpointResolver {
  const map = new Map<string, string>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const from = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
    const to = eq > 0 ? item.slice(eq + 1).trim() : '';
    if (from === '' || !/^https?:\/\/[^\s/]+$/.test(to)) {
      throw new TypeError(
        `EMULATOR_XKS_ENDPOINTS: entry "${item}" must be <https://host or VPC endpoint service name>=<http(s)://host:port>`,
      );
    }
    map.set(from, to);
  }
  return (uriEndpoint, connectivity, serviceName) => {
    if (connectivity === 'VPC_ENDPOINT_SERVICE') {
      if (!serviceName || !map.has(serviceName.toLowerCase())) return undefined;
      return map.get(uriEndpoint.toLowerCase()) ?? map.get(serviceName.toLowerCase());
    }
    return map.get(uriEndpoint.toLowerCase());
  };
}

/** How long to wait before retrying an attempt whose outcome could not be written, in ms. */
const RETRY_MS = 1000;

/** The outcome of one connection attempt: connected, or the ConnectionErrorCode AWS reports. */
export type ConnectOutcome = { ok: true } | { ok: false; code: ConnectionErrorCodeType };

/** What the connector needs from the emulator. */
export interface ConnectorDeps {
  registry: Registry;
  begin(): Transaction;
  commit(tx: Transaction): Promise<void>;
  /** Tries to connect a store (cluster checks and kmsuser login, or the proxy's health call). */
  attempt(entry: CustomKeyStoreEntry): Promise<ConnectOutcome>;
}

/**
 * Runs ConnectCustomKeyStore's asynchronous part. The operation durably records the store
 * as CONNECTING (with a new generation) and calls {@link start}; the attempt then runs
 * off the request and records CONNECTED or FAILED with its ConnectionErrorCode, but only
 * if the store is still CONNECTING under the same generation (a Disconnect or Delete in
 * between wins). {@link settled} lets tests and shutdown wait for every attempt.
 */
export class StoreConnector {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: ConnectorDeps) {}

  /** Starts the connection attempt of a store that is CONNECTING. */
  start(accountId: string, region: string, id: string): void {
    if (this.stopped) return;
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(accountId, region, id))
      // The outcome could not be recorded (a store write failed): the store is still
      // CONNECTING, so try again shortly rather than leave it CONNECTING.
      .catch(() => void setTimeout(() => this.start(accountId, region, id), RETRY_MS).unref())
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Starts no further attempts (the emulator is closing); {@link settled} still waits for running ones. */
  stop(): void {
    this.stopped = true;
  }

  /** Resumes every store left CONNECTING (by a restart during an attempt). */
  resumeAll(): void {
    for (const e of this.deps.registry.allCustomKeyStores()) {
      if (e.doc.connectionState === 'CONNECTING') this.start(e.doc.accountId, e.doc.region, e.doc.customKeyStoreId);
    }
  }

  /** Resolves when no connection attempt is running (attempts started meanwhile included). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async run(accountId: string, region: string, id: string): Promise<void> {
    const scope = this.deps.registry.scope(accountId, region);
    const started = scope.customKeyStores.get(id);
    if (!started || started.doc.connectionState !== 'CONNECTING') return;
    let outcome: ConnectOutcome;
    try {
      outcome = await this.deps.attempt(started);
    } catch {
      outcome = { ok: false, code: 'INTERNAL_ERROR' };
    }
    const now = scope.customKeyStores.get(id);
    if (!now || now.doc.connectionState !== 'CONNECTING' || now.doc.generation !== started.doc.generation) return;
    const { connectionErrorCode: _dropped, ...rest } = now.doc;
    const doc = outcome.ok
      ? { ...rest, connectionState: 'CONNECTED' as const }
      : { ...rest, connectionState: 'FAILED' as const, connectionErrorCode: outcome.code };
    const tx = this.deps.begin();
    tx.putCustomKeyStore({ ...now, doc });
    await this.deps.commit(tx);
  }
}
