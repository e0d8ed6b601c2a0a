import { PasswordHasher, type PasswordHashingOptions } from '../auth/passwords.js';
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
import { TemplatePushService } from './keys/template-push.service.js';
import { UploadKeyService } from './keys/upload-key.service.js';
import { AccountDiscovery } from './kms/account-discovery.js';
import { KmsService } from './kms/kms.service.js';
import {
  createNotificationServices,
  type NotificationOptions,
  type NotificationServices,
} from './notifications/create-notification-services.js';
import { withJobEvents } from './notifications/job-events.js';
import type { WebhookRepository } from './notifications/webhook.repository.js';
import type { KmsAcls } from './kms/kms-acls.js';
import { KmsAclService } from './kms/kms-acl.service.js';
import { StoreSyncRunner } from './custom-key-stores/store-sync-runner.js';
import type { ReportRepository } from './reports/report.repository.js';
import { ReportRunner } from './reports/report-runner.js';
import { ReportService } from './reports/report.service.js';
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
import type { ApprovalRepository } from './approvals/approval.repository.js';
import { ApprovalService } from './approvals/approval.service.js';
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
  reports: ReportRepository;
  webhooks: WebhookRepository;
  approvals: ApprovalRepository;
}

export interface Services extends JobServices, StoreServices, SchedulerServices {
  auth: AuthService;
  users: UserService;
  connections: ConnectionService;
  kms: KmsService;
  /** The permission check per KMS account (ACLs): every key, store, job and report path calls it. */
  kmsAcls: KmsAcls;
  /** `POST /cckm/aws/kms/{id}/update-acls`. */
  kmsAclUpdates: KmsAclService;
  templates: TemplateService;
  keys: KeyService;
  /** BYOK upload (`POST /cckm/aws/upload-key`): create with Origin EXTERNAL, then import the material. */
  keyUploads: UploadKeyService;
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
  /** Reports (`/cckm/aws/reports`), generated by jobs of kind `report`. */
  reports: ReportService;
  /** Webhook subscriptions (`/cckm/notifications/webhooks`) and their deliveries. */
  webhooks: NotificationServices['webhooks'];
  /** The event publisher (key, job and custom key store events → webhook deliveries). */
  events: NotificationServices['events'];
  /** Approvals of destructive key changes (`/cckm/approvals`) and the gate in front of them. */
  approvals: ApprovalService;
}

export interface ServiceOptions {
  /** Job queue settings; defaults when absent. */
  jobs?: JobOptions;
  jobLogger?: JobLogger;
  refreshTtlSeconds: number;
  login: { maxFailures: number; lockSeconds: number; failureRetentionHours?: number };
  /** scrypt cost and concurrency of this instance's password hashing (defaults: 2^15, 2 at once, 64 waiting). */
  passwordHashing?: PasswordHashingOptions;
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
  /** Webhooks: target policy, delivery attempts and backoff, material expiry warning (CCKM_WEBHOOK_*). */
  notifications?: NotificationOptions;
  /** CCKM_APPROVAL_TTL_HOURS (default 72). */
  approvalTtlHours?: number;
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
  const templates = new TemplateService(
    repos.templates,
    repos.kmsAccounts,
    kms,
    new TemplatePushService(repos.keys, kms),
  );
  const notifications = createNotificationServices(repos, box, o.notifications, o.jobLogger);
  const { events } = notifications;
  const keyActions = new KeyActionService(repos.keys, kms, templates, events);
  const keys = new KeyService(repos.keys, kms, templates, o.jobs?.reservationGraceMs, events);
  const xksKeys = new XksKeyService(repos.xksKeys, box);
  const passwords = new PasswordHasher(o.passwordHashing);
  const auth = new AuthService(
    repos.users,
    repos.groups,
    tokens,
    passwords,
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
  const approvals = new ApprovalService({
    repo: repos.approvals,
    keys: repos.keys,
    kms,
    actions: keyActions,
    audit,
    principalNow: (p) => currentPrincipal(repos.users, p),
    ttlHours: o.approvalTtlHours ?? 72,
  });
  const stores = createStoreServices(
    repos,
    { kms, keys, box },
    { ...o.customKeyStores, sourceKeys: o.customKeyStores?.sourceKeys ?? xksKeys, events },
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
    { ...repos, jobs: withJobEvents(repos.jobs, repos.webhooks, events, o.jobLogger ?? { warn: () => {} }) },
    { kms, templates, keyActions, creatorNow: (p) => currentPrincipal(repos.users, p), approvals, events },
    o.jobs,
    o.jobLogger,
    [loginFailurePrune, scheduler.ticker, ...notifications.housekeeping],
    {
      ...scheduler.runners,
      cks_sync: new StoreSyncRunner(kms, repos.customKeyStores),
      report: new ReportRunner(repos.reports, kms),
    },
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
    users: new UserService(repos.users, repos.groups, passwords, o.onUserChange),
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
    kmsAcls: kms.acls,
    kmsAclUpdates: new KmsAclService(repos.kmsAccounts, kms, repos.users, repos.groups),
    templates,
    keys,
    keyUploads: new UploadKeyService(keys, keyActions, repos.keys),
    keyActions,
    keyReplication: new KeyReplicationService(keyActions, repos.keys, kms, templates),
    idempotency: new IdempotencyService(repos.idempotency, o.idempotencyTtlSeconds),
    audit,
    xksKeys,
    customKeyStoreSyncJobs,
    accountDiscovery: new AccountDiscovery(repos.connections, box, providers, o.awsExternalIds, o.emulatorRegions),
    ...stores,
    webhooks: notifications.webhooks,
    events,
    approvals,
    reports: new ReportService(
      repos.reports,
      repos.jobs,
      kms,
      () => jobs.jobWorkers.wake(),
      o.jobs?.maxActivePerAccount ?? DEFAULT_JOB_OPTIONS.maxActivePerAccount,
    ),
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
