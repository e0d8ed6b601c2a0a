import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { PostgresEmulatorStore } from '../../../src/db/emulator-store.repository.js';
import { KmsEmulator } from '../../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../../src/emulator/wire/handler.js';
import { provisionTestDatabase, type TestDatabaseTarget } from '../../support/test-db.js';

/**
 * The conformance suite's emulator: the real wire handler on 127.0.0.1 in front of a
 * KmsEmulator, driven only through @aws-sdk/client-kms, as an unmodified AWS client.
 * With `durable: true` the store is the project database (PostgresEmulatorStore on a fresh
 * test database) and `restart()` reopens the emulator on it, as a process restart would.
 */

export const ACCOUNT = '210987654321';
/** A second account, for cross-account use of keys through grants and policies. */
export const OTHER_ACCOUNT = '345678901234';

const SECRET = 'conformance-secret-0123456789abcdefghijkl';
/** SigV4 credentials per account: the emulator verifies signatures and maps each access key to its account. */
const CREDENTIALS = {
  AKIACONFORMANCE00001: { secretAccessKey: SECRET, accountId: ACCOUNT },
  AKIACONFORMANCE00002: { secretAccessKey: SECRET, accountId: OTHER_ACCOUNT },
};

export interface Conformance {
  /**
   * A KMS client for `region` (default us-east-1) acting as `account`'s root (default
   * {@link ACCOUNT}); requests are SigV4-signed and verified. Clients made before a
   * {@link restart} are closed by it: make new ones.
   */
  kms(region?: string, account?: string): KMSClient;
  /** Stops the server and the emulator, then opens both again on the same store and root key. */
  restart(): Promise<void>;
  /**
   * Moves the emulator's clock `days` ahead (SigV4 still uses real time) and runs its
   * scheduled tasks (deletions and rotations due, expired imported material), as the
   * background timer would.
   */
  advanceDays(days: number): Promise<void>;
  close(): Promise<void>;
}

interface Running {
  emulator: KmsEmulator;
  server: Server;
  endpoint: string;
}

async function start(store: EmulatorStore, rootKey: Uint8Array, clock: () => Date): Promise<Running> {
  const emulator = await KmsEmulator.open({
    store,
    rootKey,
    defaultAccountId: ACCOUNT,
    schedulerIntervalMs: 0,
    clock,
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
  });
  const server = createServer(
    createEmulatorWireHandler(emulator, {
      credentials: CREDENTIALS,
      defaultAccountId: ACCOUNT,
      defaultRegion: 'us-east-1',
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { emulator, server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(r: Running): Promise<void> {
  r.server.closeAllConnections();
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
  await r.emulator.close();
}

/** Starts the conformance emulator (in memory, or on a fresh PostgreSQL database with `durable`). */
export async function startConformance(label: string, opts: { durable?: boolean } = {}): Promise<Conformance> {
  const rootKey = new Uint8Array(randomBytes(32));
  let target: TestDatabaseTarget | undefined;
  let db: Database | undefined;
  let store: EmulatorStore = new InMemoryEmulatorStore();
  if (opts.durable) {
    target = await provisionTestDatabase(`conformance_${label}`);
    db = await openDatabase({ url: target.url, dataDir: target.dataDir });
    store = new PostgresEmulatorStore(db.db);
  }
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  let running = await start(store, rootKey, clock);
  const clients: KMSClient[] = [];
  return {
    kms(region = 'us-east-1', account = ACCOUNT) {
      const client = new KMSClient({
        endpoint: running.endpoint,
        region,
        credentials: {
          accessKeyId: account === OTHER_ACCOUNT ? 'AKIACONFORMANCE00002' : 'AKIACONFORMANCE00001',
          secretAccessKey: SECRET,
        },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async restart() {
      await stop(running);
      for (const c of clients.splice(0)) c.destroy();
      running = await start(store, rootKey, clock);
    },
    async advanceDays(days) {
      offsetMs += days * 86_400_000;
      await running.emulator.runScheduledTasks();
    },
    async close() {
      for (const c of clients.splice(0)) c.destroy();
      await stop(running);
      await db?.close();
      await target?.drop();
    },
  };
}

/** A conformance emulator with clients for us-east-1 and the China Regions, and a scratch directory for the OpenSSL command line. */
export interface ScratchSuite {
  c: Conformance;
  kms: KMSClient;
  china: KMSClient;
  dir: string;
}

/** Starts a {@link ScratchSuite}; {@link closeScratchSuite} ends it. */
export async function startScratchSuite(label: string): Promise<ScratchSuite> {
  const c = await startConformance(label);
  return { c, kms: c.kms(), china: c.kms('cn-north-1'), dir: mkdtempSync(join(tmpdir(), `conformance-${label}-`)) };
}

export async function closeScratchSuite(s: { c?: Conformance; dir?: string }): Promise<void> {
  await s.c?.close();
  if (s.dir) rmSync(s.dir, { recursive: true, force: true });
}

/** The AWS exception name a KMS call rejects with (fails the test when it succeeds). */
export async function awsErrorName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as { name: string }).name;
  }
  throw new Error('expected the call to fail');
}
