import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../config/config.js';
import {
  emulatorAuthBanner,
  loadOrCreateKey,
  resolveEmulatorWireAuth,
  type EmulatorWireAuth,
} from '../config/key-files.js';
import { HttpXksClient } from '../xks/client.js';
import { KmsEmulator, parseXksEndpoints } from './emulator.js';
import type { EmulatorStore } from './store/emulator-store.js';
import { InMemoryEmulatorStore } from './store/in-memory-store.js';
import { createEmulatorWireHandler } from './wire/handler.js';
import { decisionLogger } from './authz/authorizer.js';
import { checkCredentialPrincipals, IdentityDirectory } from './authz/identities.js';
import type { SeedReport } from './seed/seed-apply.js';
import { describeSeedReport, seedEmulatorStore } from './seed/seed-startup.js';

/** A running standalone emulator endpoint. */
export interface StandaloneEmulator {
  emulator: KmsEmulator;
  server: Server;
  port: number;
  /** What EMULATOR_SEED created or found (absent without a seed). */
  seedReport?: SeedReport;
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
  /** Listen address (default EMULATOR_HOST, loopback). */
  host?: string;
  /**
   * Keys and mode of the endpoint (see resolveEmulatorWireAuth); default: EMULATOR_CREDENTIALS
   * with signatures required (EMULATOR_AUTH=off turns them off). Nothing is generated here.
   */
  wireAuth?: Pick<EmulatorWireAuth, 'auth' | 'credentials'>;
  /** Serve the fault-injection admin endpoint `/_opencckm/faults` (test setups only). */
  enableFaultInjection?: boolean;
  /** Serve the CloudHSM admin endpoints `/_opencckm/cloudhsm/clusters/{id}/activate|crypto-users` (test setups only). */
  enableCloudHsmAdmin?: boolean;
}): Promise<StandaloneEmulator> {
  const { config } = opts;
  const credentials = { ...(opts.wireAuth?.credentials ?? config.emulatorCredentials) };
  const identities = await loadEmulatorIdentities(config, credentials);
  // EMULATOR_SEED: validated whole and applied to the store before the emulator loads it
  // (after the other start-up checks, so that a refused start writes nothing).
  const seedReport = config.emulatorSeedPath
    ? await seedEmulatorStore({
        path: config.emulatorSeedPath,
        defaults: { accountId: config.emulatorAccountId, region: config.emulatorRegions[0] ?? 'us-east-1' },
        store: opts.store,
        rootKey: opts.rootKey,
      })
    : undefined;
  const emulator = await KmsEmulator.open({
    identities,
    onAuthzDecision: decisionLogger(config.emulatorAuthzLog, (line) => console.log(line)),
    store: opts.store,
    rootKey: opts.rootKey,
    defaultAccountId: config.emulatorAccountId,
    cloudHsmTransitionMs: config.emulatorCloudHsmTransitionMs,
    cloudHsmScryptLogN: config.emulatorCloudHsmScryptLogN,
    xksClient: new HttpXksClient({ timeoutMs: config.emulatorXksTimeoutMs }),
    xksEndpointResolver: parseXksEndpoints(config.emulatorXksEndpoints),
  });
  const handler = createEmulatorWireHandler(emulator, {
    credentials,
    auth: opts.wireAuth?.auth ?? config.emulatorAuth,
    defaultAccountId: config.emulatorAccountId,
    defaultRegion: config.emulatorRegions[0] ?? 'us-east-1',
    enableFaultInjection: opts.enableFaultInjection === true,
    enableCloudHsmAdmin: opts.enableCloudHsmAdmin === true,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.emulatorPort, opts.host ?? config.emulatorHost, resolve);
  });
  return {
    emulator,
    server,
    port: (server.address() as AddressInfo).port,
    ...(seedReport ? { seedReport } : {}),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
    },
  };
}

/**
 * The emulator's declared principals: EMULATOR_IDENTITIES when set (validated strictly,
 * and every credential's user or role must be declared in it), else none.
 *
 * @throws Error naming the file entry or credential at fault
 */
export async function loadEmulatorIdentities(
  config: Pick<Config, 'emulatorIdentitiesFile'>,
  credentials: Readonly<Record<string, { accountId: string; principal?: string }>>,
): Promise<IdentityDirectory> {
  if (!config.emulatorIdentitiesFile) return IdentityDirectory.empty();
  const identities = await IdentityDirectory.load(config.emulatorIdentitiesFile);
  checkCredentialPrincipals(identities, credentials);
  return identities;
}

/**
 * `npm run emulator`: the emulator alone, durable in the project database (DATABASE_URL,
 * or the embedded database under CCKM_DATA_DIR) with its root key from EMULATOR_ROOT_KEY
 * or CCKM_DATA_DIR/emulator-root.key. `-- --memory` keeps state in memory only;
 * `-- --faults` serves the fault-injection admin endpoint `/_opencckm/faults`;
 * `-- --cloudhsm-admin` serves the CloudHSM admin endpoints (activate a cluster, set `kmsuser`).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const memory = process.argv.includes('--memory');
  let store: EmulatorStore;
  let closeDb = async (): Promise<void> => undefined;
  if (memory) {
    store = new InMemoryEmulatorStore();
  } else {
    const { openDatabase } = await import('../db/database.js');
    const { migrate, readMigrations } = await import('../db/migrator.js');
    const { PostgresEmulatorStore } = await import('../db/emulator-store.repository.js');
    const db = await openDatabase({
      ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
      dataDir: config.dataDir,
    });
    const dir = new URL('../../../prisma/migrations', import.meta.url);
    const fallback = new URL('../../prisma/migrations', import.meta.url);
    await migrate(db.db, await readMigrations(dir.pathname).catch(() => readMigrations(fallback.pathname)));
    store = new PostgresEmulatorStore(db.db);
    closeDb = () => db.close();
  }
  const rootKey =
    memory && !config.emulatorRootKey
      ? randomBytes(32)
      : await loadOrCreateKey(config.emulatorRootKey, config.dataDir, 'emulator-root.key');
  // Signatures required unless EMULATOR_AUTH=off; without EMULATOR_CREDENTIALS, by a key generated under the data dir.
  const wireAuth = await resolveEmulatorWireAuth(config);
  const running = await startStandaloneEmulator({
    config,
    store,
    rootKey,
    wireAuth,
    enableFaultInjection: process.argv.includes('--faults'),
    enableCloudHsmAdmin: process.argv.includes('--cloudhsm-admin') || config.emulatorCloudHsmAdmin,
  });
  const endpoint = `http://localhost:${running.port}`;
  if (running.seedReport && config.emulatorSeedPath) {
    for (const line of describeSeedReport(config.emulatorSeedPath, running.seedReport)) console.log(line);
  }
  console.log(
    `opencckm KMS emulator (${memory ? 'in-memory' : 'durable'}) listening on ${endpoint} (${config.emulatorHost})`,
  );
  const lines = emulatorAuthBanner(wireAuth, endpoint, config.emulatorAccountId);
  if (wireAuth.auth === 'off') console.warn(lines.join('\n'));
  else console.log(lines.join('\n'));
  console.log(
    `Try: aws --endpoint-url ${endpoint} --region us-east-1 kms create-key   (signed with the emulator's credentials)`,
  );
  const stop = () =>
    void running
      .close()
      .then(closeDb)
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error('emulator failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
