import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../config/index.js';
import { KmsEmulator } from './emulator.js';
import type { EmulatorStore } from './store/emulator-store.js';
import { InMemoryEmulatorStore } from './store/in-memory-store.js';
import { createEmulatorWireHandler } from './wire/handler.js';

/** A running standalone emulator endpoint. */
export interface StandaloneEmulator {
  emulator: KmsEmulator;
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the emulator's AWS-compatible endpoint alone (`npm run emulator`). This is a
 * composition root: it may read config. The store is passed in so that durable mode
 * (the project database) can be wired by whoever owns `src/db` — see {@link main}.
 */
export async function startStandaloneEmulator(opts: {
  config: Config;
  store: EmulatorStore;
  rootKey: Uint8Array;
  host?: string;
}): Promise<StandaloneEmulator> {
  const { config } = opts;
  const emulator = await KmsEmulator.open({ store: opts.store, rootKey: opts.rootKey, defaultAccountId: config.emulatorAccountId });
  const handler = createEmulatorWireHandler(emulator, {
    credentials: { ...config.emulatorCredentials },
    defaultAccountId: config.emulatorAccountId,
    defaultRegion: config.emulatorRegions[0] ?? 'us-east-1',
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.emulatorPort, opts.host ?? config.host, resolve);
  });
  return {
    emulator,
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
    },
  };
}

/**
 * `node dist/src/emulator/standalone.js --memory`: in-memory store, root key from
 * EMULATOR_ROOT_KEY or random per process (nothing outlives the process anyway).
 * Durable mode (no `--memory`) needs a PrismaEmulatorStore and the persisted root key;
 * that seam is left to the composition root that owns the database.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!process.argv.includes('--memory')) {
    console.error('Durable standalone mode is not wired yet; run with --memory (state is lost on exit).');
    process.exitCode = 2;
    return;
  }
  const rootKey = config.emulatorRootKey ? Buffer.from(config.emulatorRootKey, 'base64') : randomBytes(32);
  const running = await startStandaloneEmulator({ config, store: new InMemoryEmulatorStore(), rootKey });
  console.log(`opencckm KMS emulator (in-memory) listening on port ${running.port}`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
