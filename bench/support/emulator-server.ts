import { createCipheriv, randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KmsEmulator } from '../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../src/emulator/wire/handler.js';
import { BENCH_CREDENTIAL } from './emulator-client.js';

/**
 * The server side of `bench/emulator.ts`, run as a child process so that the load
 * generator and the server each get a core: `bare` (a node:http server answering a
 * fixed JSON body, the ceiling), `bare-aes` (a node:http Encrypt handler: JSON in,
 * AES-256-GCM, JSON out; the ceiling of the signed Encrypt runs), `memory` (the emulator's
 * wire endpoint over an InMemoryEmulatorStore, open mode), `memory-signed` (the same,
 * verifying SigV4 by the bench credential) or `postgres <url>` (over PostgresEmulatorStore, durable).
 * Sends `{ port }` to the parent once listening; answers `cpu` with its CPU usage; exits on `stop`.
 */
export const BENCH_ACCOUNT = '111122223333';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

async function emulatorStore(
  mode: string,
  url: string | undefined,
): Promise<{ store: EmulatorStore; close(): Promise<void> }> {
  if (mode === 'memory') return { store: new InMemoryEmulatorStore(), close: async () => undefined };
  const { openDatabase } = await import('../../src/db/database.js');
  const { migrate, readMigrations } = await import('../../src/db/migrator.js');
  const { PostgresEmulatorStore } = await import('../../src/db/emulator-store.repository.js');
  const db = await openDatabase({ url: url!, dataDir: os.tmpdir(), poolSize: 10 });
  await migrate(db.db, await readMigrations(path.join(ROOT, 'prisma/migrations')));
  return { store: new PostgresEmulatorStore(db.db), close: () => db.close() };
}

/** A fixed JSON answer to every request: the bare ceiling. */
function bareHandler(): RequestListener {
  const body = JSON.stringify({ KeyMetadata: { KeyId: '00000000-0000-0000-0000-000000000000', KeyState: 'Enabled' } });
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
}

/**
 * The least an Encrypt can cost over node:http: read the body, parse the JSON, AES-256-GCM
 * the plaintext under one fixed key, answer JSON. No signature check, no key lookup.
 */
function bareAesHandler(): RequestListener {
  const key = randomBytes(32);
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { KeyId: string; Plaintext: string };
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([
        iv,
        cipher.update(Buffer.from(input.Plaintext, 'base64')),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      const body = JSON.stringify({
        CiphertextBlob: sealed.toString('base64'),
        KeyId: input.KeyId,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
}

async function main(): Promise<void> {
  const [mode = 'memory', url] = process.argv.slice(2);
  let server: Server;
  let close = async (): Promise<void> => undefined;
  if (mode === 'bare' || mode === 'bare-aes') {
    server = createServer(mode === 'bare' ? bareHandler() : bareAesHandler());
  } else {
    const { store, close: closeStore } = await emulatorStore(mode.startsWith('memory-signed') ? 'memory' : mode, url);
    const emulator = await KmsEmulator.open({
      store,
      rootKey: randomBytes(32),
      defaultAccountId: BENCH_ACCOUNT,
      schedulerIntervalMs: 0,
    });
    // Open mode unless `memory-signed`: the lean bench client's unsigned runs send a SigV4-form Authorization
    // header without a signature, to measure the rest of the request path; this server listens on 127.0.0.1
    // for the bench process only. `memory-signed` verifies every signature, as a deployed emulator does.
    // `memory-signed-user`: the credential is IAM user bench-app (see BENCH_KEY_POLICY), not the account root.
    const credentials = mode.startsWith('memory-signed')
      ? {
          [BENCH_CREDENTIAL.accessKeyId]: {
            secretAccessKey: BENCH_CREDENTIAL.secretAccessKey,
            accountId: BENCH_ACCOUNT,
            ...(mode === 'memory-signed-user' ? { principal: 'user/bench-app' } : {}),
          },
        }
      : {};
    const auth = mode.startsWith('memory-signed') ? 'on' : 'off';
    server = createServer(
      createEmulatorWireHandler(emulator, {
        credentials,
        auth,
        defaultAccountId: BENCH_ACCOUNT,
        defaultRegion: 'us-east-1',
      }),
    );
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
