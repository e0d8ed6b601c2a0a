import type { Logger } from 'pino';
import { createApp, type App } from './app.js';
import { ROOT_ACCOUNT, type Principal } from './auth/principal.js';
import { deriveKey, SecretBox } from './auth/secret-box.js';
import { TokenService } from './auth/tokens.js';
import { UserStateCache } from './auth/user-state.js';
import { createServices, type Services } from './cckm/create-services.js';
import type { Config } from './config/config.js';
import { loadOrCreateKey } from './config/key-files.js';
import type { Database } from './db/database.js';
import { auditSpoolPath, FileAuditSpool } from './db/audit-spool-file.js';
import { PostgresEmulatorStore } from './db/emulator-store.repository.js';
import { tryEmulatorWriterLock, type EmulatorWriterLock } from './db/emulator-writer-lock.js';
import { peerCredential, peerCredentialLookup } from './emulator/peer-credentials.js';
import { PostgresAuditRepository } from './db/repositories/postgres-audit.repository.js';
import {
  PostgresConnectionRepository,
  PostgresKmsAccountRepository,
  PostgresPolicyTemplateRepository,
} from './db/repositories/postgres-connection.repository.js';
import { PostgresCustomKeyStoreRepository } from './db/repositories/postgres-custom-key-store.repository.js';
import { PostgresIdempotencyRepository } from './db/repositories/postgres-idempotency.repository.js';
import { PostgresJobRepository } from './db/repositories/postgres-job.repository.js';
import { PostgresKeyRepository } from './db/repositories/postgres-key.repository.js';
import { PostgresSyncRecordRepository } from './db/repositories/postgres-sync-record.repository.js';
import {
  PostgresGroupRepository,
  PostgresLoginFailureRepository,
  PostgresUserRepository,
} from './db/repositories/postgres-user.repository.js';
import { PostgresJobConfigRepository } from './db/repositories/postgres-job-config.repository.js';
import { PostgresReportRepository } from './db/repositories/postgres-report.repository.js';
import { PostgresXksKeyRepository } from './db/repositories/postgres-xks-key.repository.js';
import { PostgresWebhookRepository } from './db/repositories/postgres-webhook.repository.js';
import { PostgresApprovalRepository } from './db/repositories/postgres-approval.repository.js';
import { EmulatorKmsProvider, refusedEmulatorProvider } from './emulator/emulator-provider.js';
import { EmulatorTenancy } from './emulator/tenant-accounts.js';
import { KmsEmulator, parseXksEndpoints } from './emulator/emulator.js';
import { decisionLogger } from './emulator/authz/authorizer.js';
import { loadEmulatorIdentities } from './emulator/standalone.js';
import { describeSeedReport, seedEmulatorStore } from './emulator/seed/seed-startup.js';
import { HttpXksClient } from './xks/client.js';
import { readApiDocument, type ApiDocument } from './http/openapi/api-document.js';
import { AwsKmsProvider } from './providers/aws/aws-kms-provider.js';
import { hostPortsOf, OutboundPolicy } from './providers/outbound-policy.js';
import { AwsExternalIds } from './cckm/connections/external-id.js';
import { ProviderRegistry, type ProviderFactory } from './providers/registry.js';

const OPENAPI_PATH = new URL('../openapi/cckm.yaml', import.meta.url);
/** Compiled code runs from dist/src, sources from src: find the contract from either. */
const OPENAPI_FALLBACK = new URL('../../openapi/cckm.yaml', import.meta.url);

/** Added to the provider time budget before an unclaimed `creating` reservation is judged failed. */
const RESERVATION_MARGIN_MS = 2000;

export interface Composed {
  app: App;
  services: Services;
  emulator?: KmsEmulator;
  /**
   * How this instance serves emulator connections: `writer` (it holds the emulator and its
   * store), `peer` (through the writer's endpoint, EMULATOR_PEER_URL) or `off`.
   */
  emulatorRole: 'writer' | 'peer' | 'off';
  /** For the writer's wire endpoint: the peer instances' access keys (derived from the master key). */
  emulatorPeerCredentials?: (accessKeyId: string) => { secretAccessKey: string; accountId: string } | undefined;
  tokens: TokenService;
  close(): Promise<void>;
}

export interface ComposeOptions {
  config: Config;
  db: Database;
  logger: Logger;
}

let openApi: ApiDocument | undefined;

/** The contract, read and parsed once per process: every app of the process shares it, and its compiled validators. */
function loadOpenApi(): ApiDocument {
  openApi ??= readApiDocument([OPENAPI_PATH, OPENAPI_FALLBACK]);
  return openApi;
}

/**
 * The in-process emulator as a provider: each tenant's connection reaches its own
 * emulator account (or an EMULATOR_CREDENTIALS account whose secret it holds), never
 * another tenant's; refused credentials or roles fail every call (see EmulatorTenancy).
 */
function emulatorProviders(emulator: KmsEmulator, config: Config, masterKey: Uint8Array): ProviderFactory {
  const tenancy = emulatorTenancy(config, masterKey);
  return (t) => {
    const reached = tenancy.resolve(t);
    return 'error' in reached
      ? refusedEmulatorProvider(reached.error, t.region)
      : new EmulatorKmsProvider(emulator, reached.accountId, t.region);
  };
}

function emulatorTenancy(config: Config, masterKey: Uint8Array): EmulatorTenancy {
  return new EmulatorTenancy({
    key: deriveKey(masterKey, 'emulator-tenant-account'),
    rootTenant: ROOT_ACCOUNT,
    rootAccountId: config.emulatorAccountId,
    credentials: config.emulatorCredentials,
  });
}

/** The key of the peer credentials (emulator/peer-credentials.ts): instances sharing the master key share it. */
const peerKeyOf = (masterKey: Uint8Array) => deriveKey(masterKey, 'emulator-peer');

/**
 * Emulator connections of an instance that does not hold the emulator: the same tenant →
 * account mapping as the writer's, then AWS over the writer's wire endpoint, signed by that
 * account's peer credential (calls act as the account root, as in-process ones do).
 */
function peerEmulatorProviders(peerUrl: string, config: Config, masterKey: Uint8Array): ProviderFactory {
  const tenancy = emulatorTenancy(config, masterKey);
  const key = peerKeyOf(masterKey);
  const outbound = new OutboundPolicy(hostPortsOf([peerUrl]));
  return (t) => {
    const reached = tenancy.resolve(t);
    if ('error' in reached) return refusedEmulatorProvider(reached.error, t.region);
    const { assumeRoleArn: _role, assumeRoleExternalId: _external, ...target } = t;
    return new AwsKmsProvider(
      {
        ...target,
        provider: 'aws',
        endpointUrl: peerUrl,
        ...peerCredential(key, reached.accountId),
        stsRegionalEndpoints: 'regional',
      },
      { timeoutMs: config.providerTimeoutMs, maxAttempts: config.providerMaxAttempts, outbound },
    );
  };
}

/**
 * Opens the in-process emulator when this instance can take the single-writer lock; when
 * another instance holds it, serves emulator connections through EMULATOR_PEER_URL, or
 * refuses to start (two writers would lose each other's keys).
 */
async function openEmulator(
  config: Config,
  db: Database,
  logger: Logger,
): Promise<{ emulator?: KmsEmulator; lock?: EmulatorWriterLock; role: Composed['emulatorRole'] }> {
  if (!config.emulatorEnabled) return { role: 'off' };
  const lock = await tryEmulatorWriterLock(db);
  if (!lock) {
    if (config.emulatorPeerUrl) return { role: 'peer' };
    throw new Error(
      'another opencckm instance already runs the in-process KMS emulator on this database, and only one may write its store: ' +
        "set EMULATOR_PEER_URL to that instance's emulator endpoint (e.g. http://opencckm:4599), or EMULATOR_ENABLED=false",
    );
  }
  try {
    const store = new PostgresEmulatorStore(db.db);
    const rootKey = await loadOrCreateKey(config.emulatorRootKey, config.dataDir, 'emulator-root.key');
    if (config.emulatorSeedPath) {
      // Only the writer seeds: the seed's keys are created in its store before it opens.
      const defaults = { accountId: config.emulatorAccountId, region: config.emulatorRegions[0] ?? 'us-east-1' };
      const report = await seedEmulatorStore({ path: config.emulatorSeedPath, defaults, store, rootKey });
      for (const line of describeSeedReport(config.emulatorSeedPath, report)) logger.info(line);
    }
    const emulator = await KmsEmulator.open({
      store,
      rootKey,
      // EMULATOR_IDENTITIES: declared users and roles; decisions logged per EMULATOR_AUTHZ_LOG.
      identities: await loadEmulatorIdentities(config, config.emulatorCredentials),
      onAuthzDecision: decisionLogger(config.emulatorAuthzLog, (line) => logger.info(line)),
      defaultAccountId: config.emulatorAccountId,
      cloudHsmTransitionMs: config.emulatorCloudHsmTransitionMs,
      cloudHsmScryptLogN: config.emulatorCloudHsmScryptLogN,
      xksClient: emulatorXksClient(config),
      xksEndpointResolver: emulatorXksEndpoints(config),
    });
    return { emulator, lock, role: 'writer' };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Where the in-process emulator really calls XKS proxies: EMULATOR_XKS_ENDPOINTS, plus
 * opencckm's own proxy (CCKM_XKS_PROXY_PUBLIC_ENDPOINT) on this instance's HTTP port.
 */
function emulatorXksEndpoints(config: Config) {
  const own =
    config.xksProxyPublicEndpoint && config.port > 0
      ? `${config.xksProxyPublicEndpoint}=http://127.0.0.1:${config.port}`
      : '';
  return parseXksEndpoints([own, config.emulatorXksEndpoints].filter(Boolean).join(','));
}

/**
 * The in-process emulator's XKS client: proxies tenants name must pass the outbound policy
 * (https to public addresses, or allow-listed); the targets the operator mapped them to
 * (EMULATOR_XKS_ENDPOINTS, opencckm's own proxy) are trusted as configured.
 */
function emulatorXksClient(config: Config): HttpXksClient {
  const own = config.xksProxyPublicEndpoint && config.port > 0 ? [`http://127.0.0.1:${config.port}`] : [];
  const mapped = config.emulatorXksEndpoints.split(',').map((e) => e.slice(e.indexOf('=') + 1).trim());
  const policy = new OutboundPolicy([...config.outboundAllow, ...hostPortsOf([...own, ...mapped])]);
  return new HttpXksClient({
    timeoutMs: config.emulatorXksTimeoutMs,
    checkUrl: (u) => policy.checkProxyEndpoint(u.href),
    lookup: policy.lookup,
  });
}

/** Builds the whole service over an open database: keys, emulator, providers, domain services, HTTP app. */
export async function compose({ config, db, logger }: ComposeOptions): Promise<Composed> {
  const masterKey = await loadOrCreateKey(config.masterKey, config.dataDir, 'master.key');
  const box = new SecretBox(deriveKey(masterKey, 'secrets'));
  const users = new PostgresUserRepository(db.db);
  // Every access token of ours is checked against its user as it is now (≤ one read per user per TTL).
  const userState = new UserStateCache((id) => users.findState(id), config.jwt.userStateCacheMs);
  const tokens = new TokenService(deriveKey(masterKey, 'jwt-hs256'), config.jwt, { userState });
  const externalIds = new AwsExternalIds(deriveKey(masterKey, 'aws-external-id'));
  // Tenants' endpoint_url: AWS endpoints, the allow-list, and this instance's own emulator endpoint.
  const ownEmulator =
    config.emulatorEnabled && config.emulatorPort > 0
      ? [`127.0.0.1:${config.emulatorPort}`, `localhost:${config.emulatorPort}`]
      : [];
  const outbound = new OutboundPolicy([...config.outboundAllow, ...ownEmulator]);
  const { emulator, lock: emulatorLock, role: emulatorRole } = await openEmulator(config, db, logger);
  const registry = new ProviderRegistry({
    // Every AssumeRole carries the tenant's generated ExternalId, whatever a record holds.
    aws: (t) =>
      new AwsKmsProvider(t.assumeRoleArn ? { ...t, assumeRoleExternalId: externalIds.of(t.tenant) } : t, {
        timeoutMs: config.providerTimeoutMs,
        maxAttempts: config.providerMaxAttempts,
        ambientCredentials: config.awsAmbientCredentials,
        outbound,
      }),
    ...(emulator ? { emulator: emulatorProviders(emulator, config, masterKey) } : {}),
    ...(emulatorRole === 'peer' ? { emulator: peerEmulatorProviders(config.emulatorPeerUrl!, config, masterKey) } : {}),
  });
  const q = db.db;
  const services = createServices(
    {
      users,
      groups: new PostgresGroupRepository(q),
      loginFailures: new PostgresLoginFailureRepository(q),
      connections: new PostgresConnectionRepository(q),
      kmsAccounts: new PostgresKmsAccountRepository(q),
      templates: new PostgresPolicyTemplateRepository(q),
      keys: new PostgresKeyRepository(q),
      idempotency: new PostgresIdempotencyRepository(q),
      audit: new PostgresAuditRepository(q),
      customKeyStores: new PostgresCustomKeyStoreRepository(q),
      xksKeys: new PostgresXksKeyRepository(q),
      jobConfigs: new PostgresJobConfigRepository(q),
      reports: new PostgresReportRepository(q),
      webhooks: new PostgresWebhookRepository(q),
      approvals: new PostgresApprovalRepository(q),
      jobs: new PostgresJobRepository(q),
      syncRecords: new PostgresSyncRecordRepository(q),
    },
    tokens,
    box,
    registry,
    {
      refreshTtlSeconds: config.jwt.refreshTtlSeconds,
      login: config.login,
      passwordHashing: {
        scryptLogN: config.login.scryptLogN,
        concurrency: config.login.hashConcurrency,
        queue: config.login.hashQueue,
      },
      idempotencyTtlSeconds: config.idempotencyTtlSeconds,
      emulatorEnabled: config.emulatorEnabled,
      emulatorRegions: config.emulatorRegions,
      awsExternalIds: externalIds,
      endpoints: outbound,
      awsAmbientCredentials: config.awsAmbientCredentials,
      customKeyStores: {
        ...(config.xksProxyPublicEndpoint ? { xksProxyPublicEndpoint: config.xksProxyPublicEndpoint } : {}),
        clientCertificates: config.tls?.clientCaFile !== undefined,
      },
      notifications: config.webhooks,
      approvalTtlHours: config.approvalTtlHours,
      onConnectionChange: (id) => registry.evict(id),
      onUserChange: (id) => userState.invalidate(id),
      // A reservation older than the provider time budget (and a margin) with no key in AWS has failed.
      jobs: {
        ...config.jobs,
        concurrency: config.jobs.workers,
        maxAttempts: 5,
        reservationGraceMs: config.providerTimeoutMs + RESERVATION_MARGIN_MS,
      },
      jobLogger: logger,
      auditSpooling: { spool: new FileAuditSpool(auditSpoolPath(config.dataDir, db.identity ?? db.kind)), logger },
    },
  );
  // Events spooled during an outage before the last stop go in before anything else.
  await services.audit.replaySpool();
  const app = createApp({
    services,
    tokens,
    logger,
    openapi: loadOpenApi(),
    ready: () => db.ping(),
    bodyLimitBytes: config.bodyLimitBytes,
    validateResponses: config.validateResponses,
    hsts: config.tls !== undefined,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    ...(config.login.ratePerSecond > 0 || config.login.ipRatePerSecond > 0 ? { loginRateLimit: config.login } : {}),
  });
  services.jobWorkers.start();
  return {
    app,
    services,
    tokens,
    ...(emulator ? { emulator, emulatorPeerCredentials: peerCredentialLookup(peerKeyOf(masterKey)) } : {}),
    emulatorRole,
    async close() {
      // Running job units stop at their next checkpoint and are released for another instance.
      await services.jobWorkers.stop(config.shutdownGraceMs);
      await app.flushAudit();
      await services.audit.close();
      await registry.closeAll();
      await emulator?.close();
      await emulatorLock?.release();
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
    return {
      adminCreated: admin.created,
      ...(admin.generatedPassword ? { generatedPassword: admin.generatedPassword } : {}),
      emulatorConnection: false,
    };
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
  return {
    adminCreated: true,
    ...(admin.generatedPassword ? { generatedPassword: admin.generatedPassword } : {}),
    emulatorConnection: true,
  };
}
