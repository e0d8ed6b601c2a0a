/** Shared helpers of the synchronization and bulk job tests (not a test file). */
import '../../../src/emulator/cloudhsm/reflect-metadata-shim.js';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { KmsEmulator } from '../../../src/emulator/emulator.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../../src/emulator/wire/handler.js';
import type { KmsOperationName, KmsOperations } from '../../../src/providers/kms-provider.js';
import { bearer, type TestApp } from '../../fixtures/app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export const SYNC = '/api/v1/cckm/aws/synchronization-jobs';
export const BULK = '/api/v1/cckm/aws/bulkjob';

/** Two AWS accounts behind one emulator endpoint, each reached with its own access key. */
export const ACCOUNTS = {
  a: { id: '111111111111', accessKey: 'AKIASYNCTESTACCOUNTA', secret: 'secret-of-account-a-for-sync-tests' },
  b: { id: '222222222222', accessKey: 'AKIASYNCTESTACCOUNTB', secret: 'secret-of-account-b-for-sync-tests' },
} as const;

/**
 * An emulator served over its AWS wire endpoint with a clock the test moves (so scheduled
 * deletions complete at once), shared by every service instance of a test through an `aws`
 * connection with `endpoint_url`, as instances share AWS itself.
 */
export class SyncEndpoint {
  private server!: Server;

  private constructor(
    readonly emulator: KmsEmulator,
    private readonly time: { offsetMs: number },
  ) {}

  static async start(): Promise<SyncEndpoint> {
    const time = { offsetMs: 0 };
    const clock = () => new Date(Date.now() + time.offsetMs);
    const emulator = await KmsEmulator.open({
      store: new InMemoryEmulatorStore(),
      rootKey: randomBytes(32),
      defaultAccountId: ACCOUNTS.a.id,
      clock,
      schedulerIntervalMs: 0,
    });
    const endpoint = new SyncEndpoint(emulator, time);
    endpoint.server = createServer(
      createEmulatorWireHandler(emulator, {
        credentials: Object.fromEntries(
          Object.values(ACCOUNTS).map((a) => [a.accessKey, { secretAccessKey: a.secret, accountId: a.id }]),
        ),
        defaultAccountId: ACCOUNTS.a.id,
        defaultRegion: 'us-east-1',
        maxBodyBytes: 4 * 1024 * 1024,
      }),
    );
    await new Promise<void>((r) => endpoint.server.listen(0, '127.0.0.1', r));
    return endpoint;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Calls the emulator in-process as `account` in `region`. */
  call<Op extends KmsOperationName>(
    account: keyof typeof ACCOUNTS,
    region: string,
    op: Op,
    input: KmsOperations[Op]['input'],
  ): Promise<KmsOperations[Op]['output']> {
    return this.emulator.call({ accountId: ACCOUNTS[account].id, region }, op, input);
  }

  /** Every key id of `account` in `region` (ListKeys to the end). */
  async keyIds(account: keyof typeof ACCOUNTS, region: string): Promise<string[]> {
    const out: string[] = [];
    let marker: string | undefined;
    do {
      const r = await this.call(account, region, 'ListKeys', { Limit: 1000, ...(marker ? { Marker: marker } : {}) });
      out.push(...(r.Keys ?? []).map((k) => k.KeyId!));
      marker = r.Truncated ? r.NextMarker : undefined;
    } while (marker);
    return out;
  }

  /** Moves the emulator's clock forward and runs what became due (deletions, rotations). */
  async advanceDays(days: number): Promise<void> {
    this.time.offsetMs += days * 86_400_000;
    await this.emulator.runScheduledTasks();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    await this.emulator.close();
  }
}

/** Requests as one user. */
export function as(t: TestApp, token: string) {
  const auth = (r: request.Test) => r.set('Authorization', bearer(token));
  return {
    get: (path: string) => auth(request(t.http).get(path)),
    post: (path: string, body?: object) => auth(request(t.http).post(path)).send(body ?? {}),
    patch: (path: string, body: object) => auth(request(t.http).patch(path)).send(body),
  };
}

/** Creates the connections and KMS accounts of both test accounts (through the API). */
export async function addWireAccounts(
  t: TestApp,
  endpoint: SyncEndpoint,
  regions: string[],
): Promise<{ a: Body; b: Body }> {
  const admin = as(t, t.adminToken);
  const out: Record<string, Body> = {};
  for (const [name, acct] of Object.entries(ACCOUNTS)) {
    const c = await admin.post('/api/v1/connectionmgmt/services/aws/connections', {
      name: `wire-${name}`,
      provider: 'aws',
      endpoint_url: endpoint.url,
      access_key_id: acct.accessKey,
      secret_access_key: acct.secret,
    });
    if (c.status !== 201) throw new Error(`connection: ${c.status} ${JSON.stringify(c.body)}`);
    const k = await admin.post('/api/v1/cckm/aws/kms', {
      name: `acct-${name}`,
      account_id: acct.id,
      connection: `wire-${name}`,
      regions,
    });
    if (k.status !== 201) throw new Error(`kms: ${k.status} ${JSON.stringify(k.body)}`);
    out[name] = k.body;
  }
  return out as { a: Body; b: Body };
}

/** Polls a job until it is no longer in progress (or the time runs out). */
export async function waitForJob(t: TestApp, path: string, timeoutMs = 30_000): Promise<Body> {
  const admin = as(t, t.adminToken);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await admin.get(path);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.overall_status !== 'in_progress') return res.body;
    if (Date.now() > until) throw new Error(`${path} still in progress: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every record of the admin's account (all pages). */
export async function allRecords(t: TestApp, query = ''): Promise<Body[]> {
  const res = await as(t, t.adminToken).get(`/api/v1/cckm/aws/keys?limit=-1${query ? `&${query}` : ''}`);
  if (res.status !== 200) throw new Error(`keys: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.resources;
}

/**
 * Job environment for tests: fast polling, short leases, and one master key for every
 * instance of a test file (instances sharing a database must decrypt the same secrets).
 */
export const JOB_ENV = {
  CCKM_JOB_POLL_MS: '100',
  CCKM_JOB_LEASE_MS: '3000',
  CCKM_JOB_WORKERS: '2',
  CCKM_MASTER_KEY: randomBytes(32).toString('base64'),
  // The wire endpoints these tests reach listen on loopback: allowed for these tests only.
  CCKM_OUTBOUND_ALLOW: '127.0.0.1',
};
