import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KmsEmulator, type FaultRule } from '../../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../../src/emulator/wire/handler.js';

export const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const WIRE_ACCOUNT = '210987654321';

/**
 * A separate emulator served over its AWS wire endpoint (SigV4 verified, fault injection
 * on), which the app under test reaches only through an `aws` connection, as it would AWS.
 */
export class WireEndpoint {
  private server!: Server;
  port = 0;

  private constructor(readonly emulator: KmsEmulator) {}

  static async start(): Promise<WireEndpoint> {
    const emulator = await KmsEmulator.open({
      store: new InMemoryEmulatorStore(),
      rootKey: randomBytes(32),
      defaultAccountId: '123456789012',
      schedulerIntervalMs: 0,
    });
    const w = new WireEndpoint(emulator);
    await w.listen(SECRET);
    return w;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops and starts the endpoint on the same port, now accepting `secret` for the access key (a rotated secret). */
  async restart(secret: string): Promise<void> {
    await this.stop();
    await this.listen(secret);
  }

  /** Replaces the fault rules through the endpoint's admin API (`POST /_opencckm/faults`). */
  async faults(rules: FaultRule[]): Promise<FaultRule[]> {
    const res = await fetch(`${this.url}/_opencckm/faults`, {
      method: 'POST',
      body: JSON.stringify({ faults: rules }),
    });
    if (res.status !== 200) throw new Error(`faults not set: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { faults: FaultRule[] }).faults;
  }

  async activeFaults(): Promise<FaultRule[]> {
    return ((await (await fetch(`${this.url}/_opencckm/faults`)).json()) as { faults: FaultRule[] }).faults;
  }

  /** The KMS keys (with their tags) of the wire account in a region, read in-process. */
  async keys(region: string): Promise<{ keyId: string; tags: Record<string, string> }[]> {
    const caller = { accountId: WIRE_ACCOUNT, region };
    const listed = await this.emulator.call(caller, 'ListKeys', { Limit: 1000 });
    return Promise.all(
      (listed.Keys ?? []).map(async (k) => {
        const t = await this.emulator.call(caller, 'ListResourceTags', { KeyId: k.KeyId!, Limit: 50 });
        return { keyId: k.KeyId!, tags: Object.fromEntries((t.Tags ?? []).map((x) => [x.TagKey!, x.TagValue!])) };
      }),
    );
  }

  async close(): Promise<void> {
    await this.stop();
    await this.emulator.close();
  }

  private async listen(secret: string): Promise<void> {
    this.server = createServer(
      createEmulatorWireHandler(this.emulator, {
        credentials: { [ACCESS_KEY]: { secretAccessKey: secret, accountId: WIRE_ACCOUNT } },
        defaultAccountId: '123456789012',
        defaultRegion: 'us-east-1',
        enableFaultInjection: true,
      }),
    );
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
