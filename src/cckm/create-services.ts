import type { SecretBox } from '../auth/secret-box.js';
import type { TokenService } from '../auth/tokens.js';
import type { ProviderResolver } from '../providers/registry.js';
import { AuditService, type AuditRepository, type AuditSpooling } from './audit/audit.service.js';
import type {
  ConnectionRepository,
  KmsAccountRepository,
  PolicyTemplateRepository,
} from './connections/connection.repository.js';
import { ConnectionService, type EndpointPolicy } from './connections/connection.service.js';
import type { AwsExternalIds } from './connections/external-id.js';
import type { CustomKeyStoreRepository } from './custom-key-stores/custom-key-store.repository.js';
import type { XksKeyRepository } from './xks/xks-key.repository.js';
import { XksKeyService } from './xks/xks-key.service.js';
import {
  createStoreServices,
  type StoreServiceOptions,
  type StoreServices,
} from './custom-key-stores/create-store-services.js';
import { IdempotencyService, type IdempotencyRepository } from './idempotency/idempotency.service.js';
import type { KeyRepository } from './keys/key.repository.js';
import {
  createJobServices,
  DEFAULT_JOB_OPTIONS,
  type JobOptions,
  type JobServices,
} from './jobs/create-job-services.js';
import type { JobLogger } from './jobs/job-workers.js';
import { Periodic } from './jobs/periodic.js';
import type { JobRepository } from './jobs/job.repository.js';
import { KeyActionService } from './keys/key-actions.service.js';
import { KeyReplicationService } from './keys/key-replication.service.js';
import { KeyService } from './keys/key.service.js';
import { AccountDiscovery } from './kms/account-discovery.js';
import { KmsService } from './kms/kms.service.js';
import { StoreSyncRunner } from './custom-key-stores/store-sync-runner.js';
import { CredentialRotationJobs } from './custom-key-stores/credential-rotation-job.js';
import { XksCredentialRotationRunner } from './custom-key-stores/credential-rotation-runner.js';
import { createSchedulerServices, type SchedulerServices } from './scheduler/create-scheduler-services.js';
import type { JobConfigRepository } from './scheduler/job-config.repository.js';
import { SyncJobService } from './sync/sync-job.service.js';
import type { SyncRecordRepository } from './sync/sync.repository.js';
import { TemplateService } from './templates/template.service.js';
import { AuthService } from './users/auth.service.js';
import type { GroupRepository, LoginFailureRepository, UserRepository } from './users/user.repository.js';
import type { Principal } from '../auth/principal.js';
import { UserService } from './users/user.service.js';

export interface Repositories {
  jobs: JobRepository;
  syncRecords: SyncRecordRepository;
  users: UserRepository;
  groups: GroupRepository;
  loginFailures: LoginFailureRepository;
  connections: ConnectionRepository;
  kmsAccounts: KmsAccountRepository;
  templates: PolicyTemplateRepository;
  keys: KeyRepository;
  idempotency: IdempotencyRepository;
  audit: AuditRepository;
  customKeyStores: CustomKeyStoreRepository;
  xksKeys: XksKeyRepository;
  jobConfigs: JobConfigRepository;
}

export interface Services extends JobServices, StoreServices, SchedulerServices {
  auth: AuthService;
  users: UserService;
  connections: ConnectionService;
  kms: KmsService;
  templates: TemplateService;
  keys: KeyService;
  keyActions: KeyActionService;
  keyReplication: KeyReplicationService;
  idempotency: IdempotencyService;
  audit: AuditService;
  /** The source keys opencckm's XKS proxy holds (the proxy's key vault). */
  xksKeys: XksKeyService;
  /** Custom key store synchronization jobs (`/custom-key-stores/synchronization-jobs`; job kind `cks_sync`). */
  customKeyStoreSyncJobs: SyncJobService;
  /** `POST /cckm/aws/accounts`: the AWS account and regions a connection reaches. */
  accountDiscovery: AccountDiscovery;
  /** Hosted XKS stores attached to `cckm_xks_credential_rotation` job configs (`enable-credential-rotation-job`). */
  credentialRotationJobs: CredentialRotationJobs;
}

export interface ServiceOptions {
  /** Job queue settings; defaults when absent. */
  jobs?: JobOptions;
  jobLogger?: JobLogger;
  refreshTtlSeconds: number;
  login: { maxFailures: number; lockSeconds: number; failureRetentionHours?: number };
  idempotencyTtlSeconds: number;
  emulatorEnabled: boolean;
  /** The per-tenant ExternalId of every AssumeRole (derived from the master key). */
  awsExternalIds: AwsExternalIds;
  /** The outbound policy connections' `endpoint_url` must pass. */
  endpoints?: EndpointPolicy;
  /** Connections without keys may use the server's own AWS identity (CCKM_AWS_AMBIENT_CREDENTIALS). */
  awsAmbientCredentials?: boolean;
  onConnectionChange?: (connectionId: string) => void;
  /** A user's tokens were revoked or their groups changed (the user-state cache forgets them). */
  onUserChange?: (userId: string) => void;
  /** Where audit events wait while the database is unavailable (replayed when it answers). */
  auditSpooling?: AuditSpooling;
  /** The bundled emulator's regions (EMULATOR_REGIONS): what account discovery answers for emulator connections. */
  emulatorRegions?: readonly string[];
  /** Custom key stores: the XKS proxy's public endpoint, source keys. */
  customKeyStores?: StoreServiceOptions;
}

/** Wires the domain services over repositories and providers (the composition root calls this). */
export function createServices(
  repos: Repositories,
  tokens: TokenService,
  box: SecretBox,
  providers: ProviderResolver,
  o: ServiceOptions,
): Services {
  const kms = new KmsService(repos.kmsAccounts, repos.connections, box, providers, o.awsExternalIds);
  const templates = new TemplateService(repos.templates, repos.kmsAccounts, kms);
  const keyActions = new KeyActionService(repos.keys, kms, templates);
  const xksKeys = new XksKeyService(repos.xksKeys, box);
  const auth = new AuthService(
    repos.users,
    repos.groups,
    tokens,
    o.refreshTtlSeconds,
    repos.loginFailures,
    o.login,
    o.onUserChange,
  );
  // Stale login failure counts are pruned hourly by every instance, with the job housekeeping.
  const loginFailurePrune = new Periodic(
    'login failure pruning',
    3_600_000,
    () => auth.pruneLoginFailures(),
    o.jobLogger ?? { warn: () => {}, error: () => {} },
  );
  const audit = new AuditService(repos.audit, undefined, o.auditSpooling);
  const stores = createStoreServices(
    repos,
    { kms, templates, box },
    { ...o.customKeyStores, sourceKeys: o.customKeyStores?.sourceKeys ?? xksKeys },
  );
  const scheduler = createSchedulerServices(
    repos,
    { kms, keyActions, audit },
    {
      checkMs: o.jobs?.schedulerCheckMs ?? 15_000,
      xksCredentialRotation: new XksCredentialRotationRunner(repos.customKeyStores, stores.xksCredentials),
    },
    o.jobLogger ?? { warn: () => {}, error: () => {} },
    () => jobs.jobWorkers.wake(),
  );
  const jobs = createJobServices(
    repos,
    { kms, templates, keyActions, creatorNow: (p) => currentPrincipal(repos.users, p) },
    o.jobs,
    o.jobLogger,
    [loginFailurePrune, scheduler.ticker],
    { ...scheduler.runners, cks_sync: new StoreSyncRunner(kms, repos.customKeyStores) },
  );
  const customKeyStoreSyncJobs = new SyncJobService(
    repos.jobs,
    kms,
    () => jobs.jobWorkers.wake(),
    o.jobs?.maxActivePerAccount ?? DEFAULT_JOB_OPTIONS.maxActivePerAccount,
    'cks_sync',
  );
  return {
    ...jobs,
    ...scheduler.services,
    auth,
    users: new UserService(repos.users, repos.groups, o.onUserChange),
    connections: new ConnectionService(repos.connections, box, providers, {
      emulatorEnabled: o.emulatorEnabled,
      externalIds: o.awsExternalIds,
      ...(o.endpoints ? { endpoints: o.endpoints } : {}),
      ambientCredentials: o.awsAmbientCredentials ?? false,
      health: kms.health,
      onChange: (id) => {
        kms.forgetCached();
        o.onConnectionChange?.(id);
      },
    }),
    kms,
    templates,
    keys: new KeyService(repos.keys, kms, templates, o.jobs?.reservationGraceMs),
    keyActions,
    keyReplication: new KeyReplicationService(keyActions, repos.keys, kms, templates),
    idempotency: new IdempotencyService(repos.idempotency, o.idempotencyTtlSeconds),
    audit,
    xksKeys,
    customKeyStoreSyncJobs,
    accountDiscovery: new AccountDiscovery(repos.connections, box, providers, o.awsExternalIds, o.emulatorRegions),
    ...stores,
    credentialRotationJobs: new CredentialRotationJobs(
      stores.customKeyStores,
      repos.customKeyStores,
      scheduler.services.jobConfigs,
      repos.jobConfigs,
    ),
  };
}

/**
 * A stored job creator as they are now: the scheduler and external issuers' users (no local
 * row) as stored; a local user with their current groups, or undefined once deleted,
 * disabled or moved to another account.
 */
async function currentPrincipal(users: UserRepository, p: Principal): Promise<Principal | undefined> {
  if (p.issuer || p.userId === 'scheduler') return p;
  const u = await users.findById(p.userId);
  if (!u || u.disabled || u.account !== p.account) return undefined;
  return { ...p, username: u.username, groups: u.groups };
}
