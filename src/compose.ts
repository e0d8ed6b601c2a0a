import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { createApp, type App } from './app.js';
import { ROOT_ACCOUNT, type Principal } from './auth/principal.js';
import { deriveKey, SecretBox } from './auth/secret-box.js';
import { TokenService } from './auth/tokens.js';
import { createServices, type Services } from './cckm/create-services.js';
import type { Config } from './config/config.js';
import { loadOrCreateKey } from './config/key-files.js';
import type { Database } from './db/database.js';
import { PrismaEmulatorStore } from './db/emulator-store.repository.js';
import { PrismaConnectionRepository, PrismaKmsAccountRepository, PrismaPolicyTemplateRepository } from './db/repositories/connection.repository.js';
import { PostgresSyncRecordRepository } from './db/repositories/job-sync.repository.js';
import { PostgresJobRepository } from './db/repositories/job.repository.js';
import { PrismaCustomKeyStoreRepository } from './db/repositories/custom-key-store.repository.js';
import { PrismaKeyRepository } from './db/repositories/key.repository.js';
import { PrismaXksKeyRepository } from './db/repositories/xks-key.repository.js';
import { PrismaAuditRepository, PrismaIdempotencyRepository } from './db/repositories/support.repository.js';
import { PrismaGroupRepository, PrismaLoginFailureRepository, PrismaUserRepository } from './db/repositories/user.repository.js';
import { EmulatorKmsProvider } from './emulator/emulator-provider.js';
import { KmsEmulator, parseXksEndpoints } from './emulator/emulator.js';
import { HttpXksClient } from './xks/client.js';
import { AwsKmsProvider } from './providers/aws/aws-kms-provider.js';
import { ProviderRegistry, type ProviderTarget } from './providers/registry.js';

const OPENAPI_PATH = new URL('../openapi/cckm.yaml', import.meta.url);
/** Compiled code runs from dist/src, sources from src: find the contract from either. */
const OPENAPI_FALLBACK = new URL('../../openapi/cckm.yaml', import.meta.url);

export interface Composed {
  app: App;
  services: Services;
  emulator?: KmsEmulator;
  tokens: TokenService;
  close(): Promise<void>;
}

export interface ComposeOptions {
  config: Config;
  db: Database;
  logger: Logger;
}

async function loadOpenApi(): Promise<{ document: object; yaml: string }> {
  const yaml = await readFile(OPENAPI_PATH, 'utf8').catch(() => readFile(OPENAPI_FALLBACK, 'utf8'));
  return { yaml, document: parseYaml(yaml) as object };
}

/** The emulator account a target reaches: the assumed role's, the access key's, or the default. */
function emulatorAccount(config: Config, t: ProviderTarget): string {
  const roleAccount = t.assumeRoleArn?.match(/^arn:[^:]+:iam::(\d{12}):/)?.[1];
  return roleAccount ?? (t.accessKeyId ? config.emulatorCredentials[t.accessKeyId]?.accountId : undefined) ?? config.emulatorAccountId;
}

/**
 * Where the in-process emulator really calls XKS proxies: EMULATOR_XKS_ENDPOINTS, plus
 * opencckm's own proxy (CCKM_XKS_PROXY_PUBLIC_ENDPOINT) on this instance's HTTP port.
 */
function emulatorXksEndpoints(config: Config) {
  const own = config.xksProxyPublicEndpoint && config.port > 0 ? `${config.xksProxyPublicEndpoint}=http://127.0.0.1:${config.port}` : '';
  return parseXksEndpoints([own, config.emulatorXksEndpoints].filter(Boolean).join(','));
}

/** Builds the whole service over an open database: keys, emulator, providers, domain services, HTTP app. */
export async function compose({ config, db, logger }: ComposeOptions): Promise<Composed> {
  const masterKey = await loadOrCreateKey(config.masterKey, config.dataDir, 'master.key');
  const box = new SecretBox(deriveKey(masterKey, 'secrets'));
  const tokens = new TokenService(deriveKey(masterKey, 'jwt-hs256'), config.jwt);
  const emulator = config.emulatorEnabled
    ? await KmsEmulator.open({
        store: new PrismaEmulatorStore(db),
        rootKey: await loadOrCreateKey(config.emulatorRootKey, config.dataDir, 'emulator-root.key'),
        defaultAccountId: config.emulatorAccountId,
        cloudHsmTransitionMs: config.emulatorCloudHsmTransitionMs,
        xksClient: new HttpXksClient({ timeoutMs: config.emulatorXksTimeoutMs }),
        xksEndpointResolver: emulatorXksEndpoints(config),
      })
    : undefined;
  const registry = new ProviderRegistry({
    aws: (t) => new AwsKmsProvider(t, { timeoutMs: config.providerTimeoutMs, maxAttempts: config.providerMaxAttempts }),
    ...(emulator ? { emulator: (t: ProviderTarget) => new EmulatorKmsProvider(emulator, emulatorAccount(config, t), t.region) } : {}),
  });
  const p = db.prisma;
  const services = createServices(
    {
      users: new PrismaUserRepository(p),
      groups: new PrismaGroupRepository(p),
      loginFailures: new PrismaLoginFailureRepository(db),
      connections: new PrismaConnectionRepository(p),
      kmsAccounts: new PrismaKmsAccountRepository(p),
      templates: new PrismaPolicyTemplateRepository(p),
      keys: new PrismaKeyRepository(db),
      idempotency: new PrismaIdempotencyRepository(p),
      audit: new PrismaAuditRepository(p),
      customKeyStores: new PrismaCustomKeyStoreRepository(p),
      xksKeys: new PrismaXksKeyRepository(p),
      jobs: new PostgresJobRepository(db),
      syncRecords: new PostgresSyncRecordRepository(db),
    },
    tokens,
    box,
    registry,
    {
      refreshTtlSeconds: config.jwt.refreshTtlSeconds,
      login: config.login,
      idempotencyTtlSeconds: config.idempotencyTtlSeconds,
      emulatorEnabled: config.emulatorEnabled,
      ...(config.xksProxyPublicEndpoint ? { customKeyStores: { xksProxyPublicEndpoint: config.xksProxyPublicEndpoint } } : {}),
      onConnectionChange: (id) => registry.evict(id),
      jobs: { ...config.jobs, concurrency: config.jobs.workers, maxAttempts: 5 },
      jobLogger: logger,
    },
  );
  const app = createApp({
    services,
    tokens,
    logger,
    openapi: await loadOpenApi(),
    ready: () => db.ping(),
    bodyLimitBytes: config.bodyLimitBytes,
    validateResponses: config.validateResponses,
  });
  services.jobWorkers.start();
  return {
    app,
    services,
    tokens,
    ...(emulator ? { emulator } : {}),
    async close() {
      // Running job units stop at their next checkpoint and are released for another instance.
      await services.jobWorkers.stop(config.shutdownGraceMs);
      await app.flushAudit();
      await registry.closeAll();
      await emulator?.close();
    },
  };
}

/** What a first start created, for the start-up banner. */
export interface BootstrapResult {
  adminCreated: boolean;
  generatedPassword?: string;
  emulatorConnection: boolean;
}

/**
 * First start on an empty database: the `admin` user and, with the emulator enabled, a
 * connection `emulator` and a KMS account `kms` for the emulator's account in every
 * configured region, so seed 004's curl works as written.
 */
export async function bootstrap(services: Services, config: Config): Promise<BootstrapResult> {
  const admin = await services.auth.bootstrap(config.adminPassword);
  if (!admin.created || !config.emulatorEnabled) {
    return { adminCreated: admin.created, ...(admin.generatedPassword ? { generatedPassword: admin.generatedPassword } : {}), emulatorConnection: false };
  }
  const system: Principal = { userId: 'bootstrap', username: 'bootstrap', account: ROOT_ACCOUNT, groups: ['admin'] };
  await services.connections.create(system, {
    name: 'emulator',
    description: 'The bundled KMS emulator (in-process)',
    provider: 'emulator',
    cloud_name: 'aws',
  });
  await services.kms.create(system, {
    name: 'kms',
    account_id: config.emulatorAccountId,
    connection: 'emulator',
    regions: [...config.emulatorRegions],
  });
  return { adminCreated: true, ...(admin.generatedPassword ? { generatedPassword: admin.generatedPassword } : {}), emulatorConnection: true };
}
