import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../src/emulator/wire/handler.js';

/**
 * The server side of `bench/emulator.ts`, run as a child process so that the load
 * generator and the server each get a core: `bare` (a node:http server answering a
 * fixed JSON body, the ceiling), `memory` (the emulator's wire endpoint over an
 * InMemoryEmulatorStore) or `postgres <url>` (over PrismaEmulatorStore, durable).
 * Sends `{ port }` to the parent once listening; answers `cpu` with its CPU usage; exits on `stop`.
 */
export const BENCH_ACCOUNT = '111122223333';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

async function emulatorStore(mode: string, url: string | undefined): Promise<{ store: EmulatorStore; close(): Promise<void> }> {
  if (mode === 'memory') return { store: new InMemoryEmulatorStore(), close: async () => undefined };
  const { openDatabase } = await import('../../src/db/database.js');
  const { migrate, readMigrations } = await import('../../src/db/migrator.js');
  const { PrismaEmulatorStore } = await import('../../src/db/emulator-store.repository.js');
  const db = await openDatabase({ url: url!, dataDir: os.tmpdir(), poolSize: 10 });
  await migrate(db.sql, await readMigrations(path.join(ROOT, 'prisma/migrations')));
  return { store: new PrismaEmulatorStore(db), close: () => db.close() };
}

async function main(): Promise<void> {
  const [mode = 'memory', url] = process.argv.slice(2);
  let server: Server;
  let close = async (): Promise<void> => undefined;
  if (mode === 'bare') {
    const body = JSON.stringify({ KeyMetadata: { KeyId: '00000000-0000-0000-0000-000000000000', KeyState: 'Enabled' } });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
  } else {
    const { store, close: closeStore } = await emulatorStore(mode, url);
    const emulator = await KmsEmulator.open({ store, rootKey: randomBytes(32), defaultAccountId: BENCH_ACCOUNT, schedulerIntervalMs: 0 });
    // Open mode on purpose: the lean bench client sends a SigV4-form but unsigned Authorization header,
    // to measure the server's request path; this server listens on 127.0.0.1 for the bench process only.
    server = createServer(createEmulatorWireHandler(emulator, { credentials: {}, auth: 'off', defaultAccountId: BENCH_ACCOUNT, defaultRegion: 'us-east-1' }));
    close = async () => {
      await emulator.close();
      await closeStore();
    };
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send!({ port: (server.address() as AddressInfo).port });
  process.on('message', (m) => {
    if (m === 'cpu') return void process.send!({ cpu: process.cpuUsage() });
    if (m !== 'stop') return;
    server.closeAllConnections();
    server.close(() => void close().then(() => process.exit(0)));
  });
}

main().catch((err: unknown) => {
  console.error('bench server failed:', err);
  process.exit(1);
});
