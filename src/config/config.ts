import { ValidationError } from '../errors/index.js';

/**
 * Every setting of opencckm, parsed and checked once. This module is the only reader
 * of `process.env`; everything else receives a `Config`. See `.env.example`.
 */
export interface Config {
  readonly port: number;
  /** HOST: the REST API's listen address; loopback by default (put a reverse proxy or TLS in front to expose it). */
  readonly host: string;
  /**
   * CCKM_TLS_CERT / CCKM_TLS_KEY: PEM files; when both are set the REST API serves HTTPS
   * (with HSTS). CCKM_TLS_CLIENT_CA: PEM of the CAs whose client certificates are accepted,
   * needed by stores opencckm hosts with `mtls_enabled` (their XKS proxy then requires one).
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile?: string };
  /** CCKM_METRICS_TOKEN: a bearer token (≥ 32 characters) for Prometheus scrapes of /metrics; admins' JWTs work too. */
  readonly metricsToken?: string;
  /** 0 disables the emulator's AWS-compatible endpoint. */
  readonly emulatorPort: number;
  /**
   * EMULATOR_HOST: the address the emulator's endpoint listens on; loopback by default, so
   * only this machine reaches it. `0.0.0.0` inside containers (publish the port to loopback).
   */
  readonly emulatorHost: string;
  /**
   * EMULATOR_AUTH: `on` (default) requires SigV4 signatures by a known key (EMULATOR_CREDENTIALS,
   * or one generated under dataDir); `off` accepts unsigned requests as EMULATOR_ACCOUNT_ID:
   * throwaway setups only.
   */
  readonly emulatorAuth: 'on' | 'off';
  readonly emulatorEnabled: boolean;
  /**
   * EMULATOR_PEER_URL: the wire endpoint of the instance that holds the emulator (several
   * instances on one database: only one may write the emulator's store). An instance that
   * finds the emulator taken serves its emulator connections through this URL, signed with
   * peer credentials derived from the shared master key; without it, it refuses to start.
   */
  readonly emulatorPeerUrl?: string;
  readonly emulatorAccountId: string;
  readonly emulatorRegions: readonly string[];
  /** base64 32-byte key wrapping the emulator's key material; generated under dataDir when unset. */
  readonly emulatorRootKey?: string;
  /**
   * EMULATOR_CREDENTIALS: access key id → secret, account and principal (`user/NAME` or
   * `role/NAME`; absent = the account root); unset, one is generated under dataDir (see key-files.ts).
   */
  readonly emulatorCredentials: Readonly<
    Record<string, { secretAccessKey: string; accountId: string; principal?: string }>
  >;
  /** EMULATOR_IDENTITIES: path of the JSON file declaring the emulator's IAM users and roles (validated at start). */
  readonly emulatorIdentitiesFile?: string;
  /** EMULATOR_AUTHZ_LOG: which authorization decisions the emulator logs: `deny` (default), `all` or `off`. */
  readonly emulatorAuthzLog: 'deny' | 'all' | 'off';
  /** Serve the emulator's CloudHSM admin paths (activate a cluster, set `kmsuser`); unauthenticated, test setups only. */
  readonly emulatorCloudHsmAdmin: boolean;
  /** How long simulated CloudHSM clusters and HSMs stay in their in-progress states, in ms. */
  readonly emulatorCloudHsmTransitionMs: number;
  /** EMULATOR_CLOUDHSM_SCRYPT_LOG_N: log2 of scrypt's N for simulated HSM users' passwords (default 14). */
  readonly emulatorCloudHsmScryptLogN: number;
  /** EMULATOR_XKS_ENDPOINTS: where the emulator really calls XKS proxies (`https://host=http://127.0.0.1:port,...`). */
  readonly emulatorXksEndpoints: string;
  /** The emulator's per-call timeout towards XKS proxies, in ms. */
  readonly emulatorXksTimeoutMs: number;
  /**
   * EMULATOR_SEED: a JSON file of keys (ids, aliases, tags, policies, optional material) the
   * emulator creates at start when they are absent (src/emulator/seed/); unset: no seed.
   */
  readonly emulatorSeedPath?: string;
  /**
   * `https://host` (port 443, no path) under which AWS reaches opencckm's own XKS proxy; stores
   * opencckm hosts (`local_hosted_params`) stay unlinked while it is unset.
   */
  readonly xksProxyPublicEndpoint?: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /** base64 32-byte server key: JWT signing and connection-secret encryption derive from it. */
  readonly masterKey?: string;
  readonly adminPassword?: string;
  readonly jwt: {
    readonly issuer: string;
    readonly audience: string;
    readonly ttlSeconds: number;
    readonly refreshTtlSeconds: number;
    /**
     * CCKM_JWT_EXTERNAL_ISSUERS: issuers whose tokens are accepted, verified by JWKS. Each maps
     * its users to one `account` and to groups by configuration (`groups: {claim, map}`,
     * `defaultGroups`); the token's own `acc` and group claims are never trusted.
     */
    readonly externalIssuers: readonly {
      issuer: string;
      jwksUrl: string;
      audience: string;
      account: string;
      groups?: { claim: string; map: Readonly<Record<string, string>> };
      defaultGroups?: readonly string[];
    }[];
    /**
     * CCKM_USER_STATE_CACHE_MS (0 .. 1000, default 1000): how long an instance trusts the user
     * state (enabled, groups, token version) it read to check an access token. Changes through
     * the same instance apply at once; through another instance within this time.
     */
    readonly userStateCacheMs: number;
  };
  /** Brute-force protection: failed logins in a row per username before a lock, and its length. */
  readonly login: {
    readonly maxFailures: number;
    readonly lockSeconds: number;
    /** CCKM_LOGIN_FAILURE_RETENTION_HOURS: failure counts without a lock in force are pruned this long after their last failure. */
    readonly failureRetentionHours: number;
    /**
     * CCKM_LOGIN_RATE_PER_SECOND / CCKM_LOGIN_BURST (all clients) and CCKM_LOGIN_IP_RATE_PER_SECOND /
     * CCKM_LOGIN_IP_BURST (per client address): token buckets of POST /auth/tokens, 429 with
     * Retry-After beyond them; 0 per second turns one off (both are off by default under NODE_ENV=test).
     */
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly ipRatePerSecond: number;
    readonly ipBurst: number;
    /** CCKM_PASSWORD_HASH_CONCURRENCY / CCKM_PASSWORD_HASH_QUEUE: scrypt hashes at once, and waiting (429 beyond). */
    readonly hashConcurrency: number;
    readonly hashQueue: number;
    /** CCKM_PASSWORD_SCRYPT_LOG_N: log2 of scrypt's N for new hashes (default 15; stored hashes keep theirs). */
    readonly scryptLogN: number;
  };
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly idempotencyTtlSeconds: number;
  readonly providerTimeoutMs: number;
  readonly providerMaxAttempts: number;
  /**
   * CCKM_AWS_AMBIENT_CREDENTIALS: let aws connections without keys use the server's own AWS
   * identity (environment, ~/.aws, container or instance role). Off by default: any tenant
   * could otherwise act as the operator's account.
   */
  readonly awsAmbientCredentials: boolean;
  /**
   * CCKM_OUTBOUND_ALLOW: hosts (`host`, `host:port`), IP addresses and CIDRs that tenants'
   * endpoints (endpoint_url, XKS proxies) may reach besides AWS endpoints and public proxies:
   * VPC endpoints under other names, proxies, emulators. The only way to allow http://,
   * private, loopback or link-local targets.
   */
  readonly outboundAllow: readonly string[];
  readonly validateResponses: boolean;
  readonly shutdownGraceMs: number;
  /** Synchronization and bulk jobs: workers per instance (0: this instance runs none), unit lease, idle poll, sync parallelism per region and upsert batch. */
  readonly jobs: {
    readonly workers: number;
    readonly leaseMs: number;
    readonly pollMs: number;
    readonly syncConcurrency: number;
    readonly syncBatchSize: number;
    /** CCKM_SYNC_PAGE_SIZE: keys per ListKeys page (1..1000). */
    readonly syncPageSize: number;
    /** Periodic sync of every KMS account, in minutes (0: off), and how often instances check what is due. */
    readonly syncIntervalMinutes: number;
    readonly syncCheckMs: number;
    /** CCKM_SCHEDULER_CHECK_MS: how often an instance fires the due ticks of scheduler job configs (0: this instance fires none). */
    readonly schedulerCheckMs: number;
    /** CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT: jobs in progress per account; one more is answered 429. */
    readonly maxActivePerAccount: number;
    /** CCKM_JOB_RETENTION_DAYS: finished jobs are deleted this long after they finished (0: kept), checked every CCKM_JOB_PRUNE_INTERVAL_MS. */
    readonly retentionDays: number;
    readonly pruneIntervalMs: number;
  };
  /** Webhooks (`/cckm/notifications/webhooks`): targets, delivery attempts, material expiry warnings. */
  readonly webhooks: {
    /** CCKM_WEBHOOK_ALLOW_PRIVATE: webhooks may target private, loopback and link-local addresses. */
    readonly allowPrivate: boolean;
    /** CCKM_WEBHOOK_ALLOW: host, host:port, IP or CIDR entries webhooks may target although internal. */
    readonly allow: readonly string[];
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly backoffMs: number;
    readonly pollMs: number;
    readonly expiryWarningDays: number;
    readonly expiryCheckMs: number;
    readonly retentionDays: number;
  };
  /** CCKM_APPROVAL_TTL_HOURS: a pending approval of a destructive key change expires this long after it was requested. */
  readonly approvalTtlHours: number;
}

type Env = Record<string, string | undefined>;

const AWS_ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw ValidationError.field(name, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw ValidationError.field(name, 'must be true or false');
}

function key32(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (Buffer.from(raw, 'base64').length !== 32) throw ValidationError.field(name, 'must be 32 bytes, base64-encoded');
  return raw;
}

/** One of `choices` (default `fallback`). */
function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw))
    throw ValidationError.field(name, `must be one of ${choices.join(', ')}`);
  return raw as T;
}

/** `AKID:SECRET[:ACCOUNT[:user/NAME|role/NAME]],...` → credentials the emulator's wire endpoint accepts. */
function emulatorCredentials(env: Env, defaultAccount: string): Config['emulatorCredentials'] {
  const raw = env.EMULATOR_CREDENTIALS;
  const out: Record<string, { secretAccessKey: string; accountId: string; principal?: string }> = {};
  if (!raw) return out;
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [akid, secret, account = defaultAccount, principal, ...extra] = entry.split(':');
    if (!akid || !secret || !AWS_ACCOUNT_ID.test(account) || extra.length > 0) {
      throw ValidationError.field(
        'EMULATOR_CREDENTIALS',
        'entries must be ACCESS_KEY_ID:SECRET[:12-digit account[:user/NAME|role/NAME]]',
      );
    }
    if (principal !== undefined && !/^(user|role)\/[\w+=,.@-]{1,64}$/.test(principal)) {
      throw ValidationError.field(
        'EMULATOR_CREDENTIALS',
        `entry ${akid}: the fourth field must be user/NAME or role/NAME (NAME: 1-64 of A-Za-z0-9+=,.@_-)`,
      );
    }
    out[akid] = { secretAccessKey: secret, accountId: account, ...(principal !== undefined ? { principal } : {}) };
  }
  return out;
}

function externalIssuers(env: Env): Config['jwt']['externalIssuers'] {
  const raw = env.CCKM_JWT_EXTERNAL_ISSUERS;
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw ValidationError.field('CCKM_JWT_EXTERNAL_ISSUERS', 'must be a JSON array');
  }
  if (!Array.isArray(parsed)) throw ValidationError.field('CCKM_JWT_EXTERNAL_ISSUERS', 'must be a JSON array');
  return parsed.map((item, i) => {
    const o = item as Record<string, unknown>;
    if (typeof o.issuer !== 'string' || typeof o.jwksUrl !== 'string' || typeof o.audience !== 'string') {
      throw ValidationError.field(`CCKM_JWT_EXTERNAL_ISSUERS[${i}]`, 'needs issuer, jwksUrl and audience strings');
    }
    if (!/^https?:\/\//.test(o.jwksUrl))
      throw ValidationError.field(`CCKM_JWT_EXTERNAL_ISSUERS[${i}].jwksUrl`, 'must be an http(s) URL');
    // The tenant is configuration, never a token claim: otherwise any issuer could mint root-account admins.
    if (typeof o.account !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.account)) {
      throw ValidationError.field(
        `CCKM_JWT_EXTERNAL_ISSUERS[${i}].account`,
        "is required: the account (tenant) this issuer's users belong to",
      );
    }
    const isStrings = (v: unknown): v is string[] =>
      Array.isArray(v) && v.every((g) => typeof g === 'string' && g.length > 0);
    if (o.defaultGroups !== undefined && !isStrings(o.defaultGroups)) {
      throw ValidationError.field(`CCKM_JWT_EXTERNAL_ISSUERS[${i}].defaultGroups`, 'must be an array of group names');
    }
    const g = o.groups as { claim?: unknown; map?: unknown } | undefined;
    const map = g?.map as Record<string, unknown> | undefined;
    if (
      g !== undefined &&
      (typeof g !== 'object' ||
        g === null ||
        typeof g.claim !== 'string' ||
        !g.claim ||
        typeof map !== 'object' ||
        map === null ||
        Array.isArray(map) ||
        !Object.values(map).every((v) => typeof v === 'string' && v.length > 0))
    ) {
      throw ValidationError.field(
        `CCKM_JWT_EXTERNAL_ISSUERS[${i}].groups`,
        'must be {"claim": "<claim path>", "map": {"<idp group>": "<opencckm group>"}}',
      );
    }
    return {
      issuer: o.issuer,
      jwksUrl: o.jwksUrl,
      audience: o.audience,
      account: o.account,
      ...(g ? { groups: { claim: g.claim as string, map: map as Record<string, string> } } : {}),
      ...(o.defaultGroups ? { defaultGroups: o.defaultGroups as string[] } : {}),
    };
  });
}

export function loadConfig(env: Env = process.env): Config {
  const emulatorAccountId = env.EMULATOR_ACCOUNT_ID || '123456789012';
  if (!AWS_ACCOUNT_ID.test(emulatorAccountId)) throw ValidationError.field('EMULATOR_ACCOUNT_ID', 'must be 12 digits');
  const emulatorRegions = (env.EMULATOR_REGIONS || DEFAULT_REGIONS.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of emulatorRegions) {
    if (!REGION.test(r))
      throw ValidationError.field('EMULATOR_REGIONS', 'must be a comma-separated list of AWS region names');
  }
  const nodeEnv = env.NODE_ENV ?? 'development';
  const config: Config = {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    ...tlsSettings(env),
    ...(env.CCKM_METRICS_TOKEN ? { metricsToken: metricsToken(env.CCKM_METRICS_TOKEN) } : {}),
    emulatorPort: int(env, 'EMULATOR_PORT', 4599, 0, 65535),
    emulatorHost: env.EMULATOR_HOST?.trim() || '127.0.0.1',
    emulatorAuth: bool(env, 'EMULATOR_AUTH', true) ? 'on' : 'off',
    emulatorEnabled: bool(env, 'EMULATOR_ENABLED', true),
    ...(env.EMULATOR_PEER_URL?.trim() ? { emulatorPeerUrl: httpUrl(env, 'EMULATOR_PEER_URL') } : {}),
    emulatorAccountId,
    emulatorRegions,
    emulatorRootKey: key32(env, 'EMULATOR_ROOT_KEY'),
    emulatorCredentials: emulatorCredentials(env, emulatorAccountId),
    ...(env.EMULATOR_IDENTITIES ? { emulatorIdentitiesFile: env.EMULATOR_IDENTITIES } : {}),
    emulatorAuthzLog: oneOf(env, 'EMULATOR_AUTHZ_LOG', ['deny', 'all', 'off'] as const, 'deny'),
    emulatorCloudHsmAdmin: bool(env, 'EMULATOR_CLOUDHSM_ADMIN', false),
    emulatorCloudHsmTransitionMs: int(env, 'EMULATOR_CLOUDHSM_TRANSITION_MS', 300, 0, 600000),
    emulatorCloudHsmScryptLogN: int(env, 'EMULATOR_CLOUDHSM_SCRYPT_LOG_N', 14, 10, 20),
    emulatorXksEndpoints: env.EMULATOR_XKS_ENDPOINTS?.trim() ?? '',
    emulatorXksTimeoutMs: int(env, 'EMULATOR_XKS_TIMEOUT_MS', 2000, 50, 60000),
    ...(env.EMULATOR_SEED?.trim() ? { emulatorSeedPath: env.EMULATOR_SEED.trim() } : {}),
    xksProxyPublicEndpoint: xksPublicEndpoint(env),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.CCKM_DATA_DIR || './.data',
    masterKey: key32(env, 'CCKM_MASTER_KEY'),
    adminPassword: env.CCKM_ADMIN_PASSWORD || undefined,
    jwt: {
      issuer: env.CCKM_JWT_ISSUER || 'opencckm',
      audience: env.CCKM_JWT_AUDIENCE || 'opencckm',
      ttlSeconds: int(env, 'CCKM_JWT_TTL_SECONDS', 300, 30, 86400),
      refreshTtlSeconds: int(env, 'CCKM_REFRESH_TTL_SECONDS', 86400, 60, 90 * 86400),
      externalIssuers: externalIssuers(env),
      userStateCacheMs: int(env, 'CCKM_USER_STATE_CACHE_MS', 1000, 0, 1000),
    },
    login: {
      maxFailures: int(env, 'CCKM_LOGIN_MAX_FAILURES', 10, 3, 1000),
      lockSeconds: int(env, 'CCKM_LOGIN_LOCK_SECONDS', 300, 1, 86400),
      failureRetentionHours: int(env, 'CCKM_LOGIN_FAILURE_RETENTION_HOURS', 24, 1, 8760),
      // Off by default in tests, which log in many times a second from one address.
      ratePerSecond: int(env, 'CCKM_LOGIN_RATE_PER_SECOND', nodeEnv === 'test' ? 0 : 20, 0, 100000),
      burst: int(env, 'CCKM_LOGIN_BURST', 40, 1, 100000),
      ipRatePerSecond: int(env, 'CCKM_LOGIN_IP_RATE_PER_SECOND', nodeEnv === 'test' ? 0 : 2, 0, 100000),
      ipBurst: int(env, 'CCKM_LOGIN_IP_BURST', 10, 1, 100000),
      hashConcurrency: int(env, 'CCKM_PASSWORD_HASH_CONCURRENCY', 2, 1, 64),
      hashQueue: int(env, 'CCKM_PASSWORD_HASH_QUEUE', 64, 0, 100000),
      scryptLogN: int(env, 'CCKM_PASSWORD_SCRYPT_LOG_N', 15, 10, 20),
    },
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    bodyLimitBytes: int(env, 'CCKM_BODY_LIMIT_BYTES', 512 * 1024, 1024, 16 * 1024 * 1024),
    idempotencyTtlSeconds: int(env, 'CCKM_IDEMPOTENCY_TTL_SECONDS', 86400, 60, 30 * 86400),
    providerTimeoutMs: int(env, 'CCKM_PROVIDER_TIMEOUT_MS', 10000, 100, 120000),
    providerMaxAttempts: int(env, 'CCKM_PROVIDER_MAX_ATTEMPTS', 3, 1, 10),
    awsAmbientCredentials: bool(env, 'CCKM_AWS_AMBIENT_CREDENTIALS', false),
    outboundAllow: outboundAllow(env),
    validateResponses: bool(env, 'CCKM_VALIDATE_RESPONSES', nodeEnv === 'test'),
    shutdownGraceMs: int(env, 'CCKM_SHUTDOWN_GRACE_MS', 10000, 0, 120000),
    jobs: {
      workers: int(env, 'CCKM_JOB_WORKERS', 2, 0, 64),
      leaseMs: int(env, 'CCKM_JOB_LEASE_MS', 30000, 1000, 600000),
      pollMs: int(env, 'CCKM_JOB_POLL_MS', 1000, 50, 60000),
      syncConcurrency: int(env, 'CCKM_SYNC_CONCURRENCY', 24, 1, 256),
      syncBatchSize: int(env, 'CCKM_SYNC_BATCH_SIZE', 500, 1, 5000),
      syncPageSize: int(env, 'CCKM_SYNC_PAGE_SIZE', 1000, 1, 1000),
      syncIntervalMinutes: int(env, 'CCKM_SYNC_INTERVAL_MINUTES', 0, 0, 10080),
      syncCheckMs: int(env, 'CCKM_SYNC_CHECK_MS', 60000, 100, 3600000),
      schedulerCheckMs: int(env, 'CCKM_SCHEDULER_CHECK_MS', 15000, 0, 3600000),
      maxActivePerAccount: int(env, 'CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT', 10, 1, 100000),
      retentionDays: int(env, 'CCKM_JOB_RETENTION_DAYS', 30, 0, 36500),
      pruneIntervalMs: int(env, 'CCKM_JOB_PRUNE_INTERVAL_MS', 3600000, 1000, 86400000),
    },
    webhooks: {
      allowPrivate: bool(env, 'CCKM_WEBHOOK_ALLOW_PRIVATE', false),
      allow: allowList(env, 'CCKM_WEBHOOK_ALLOW'),
      concurrency: int(env, 'CCKM_WEBHOOK_WORKERS', 2, 0, 64),
      timeoutMs: int(env, 'CCKM_WEBHOOK_TIMEOUT_MS', 5000, 100, 60000),
      maxAttempts: int(env, 'CCKM_WEBHOOK_MAX_ATTEMPTS', 8, 1, 20),
      backoffMs: int(env, 'CCKM_WEBHOOK_BACKOFF_MS', 10000, 10, 3600000),
      pollMs: int(env, 'CCKM_WEBHOOK_POLL_MS', 1000, 10, 60000),
      expiryWarningDays: int(env, 'CCKM_WEBHOOK_EXPIRY_WARNING_DAYS', 30, 1, 365),
      expiryCheckMs: int(env, 'CCKM_WEBHOOK_EXPIRY_CHECK_MS', 3600000, 0, 86400000),
      retentionDays: int(env, 'CCKM_WEBHOOK_RETENTION_DAYS', 30, 0, 36500),
    },
    approvalTtlHours: int(env, 'CCKM_APPROVAL_TTL_HOURS', 72, 1, 8760),
  };
  if (config.adminPassword !== undefined && config.adminPassword.length < 8) {
    throw ValidationError.field('CCKM_ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  return Object.freeze(config);
}

/** An http(s) URL without path, query or credentials (EMULATOR_PEER_URL). */
function httpUrl(env: Env, name: string): string {
  const raw = env[name]!.trim();
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw ValidationError.field(name, 'must be an http(s) URL');
  }
  if (
    !/^https?:$/.test(u.protocol) ||
    u.username ||
    u.password ||
    u.search ||
    (u.pathname !== '/' && u.pathname !== '')
  ) {
    throw ValidationError.field(name, 'must be http(s)://host[:port], without path, query or credentials');
  }
  return u.origin;
}

/** CCKM_OUTBOUND_ALLOW: comma-separated host[:port], IP or CIDR entries (checked fully by the outbound policy). */
function outboundAllow(env: Env): readonly string[] {
  return allowList(env, 'CCKM_OUTBOUND_ALLOW');
}

/** A comma-separated list of host[:port], IP or CIDR entries (checked fully where it is used). */
function allowList(env: Env, name: string): readonly string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const e of entries) {
    if (!/^(\[[0-9a-fA-F:.]+\](:\d{1,5})?|[a-zA-Z0-9.:-]+(\/\d{1,3})?)$/.test(e)) {
      throw ValidationError.field(name, 'entries must be host, host:port, an IP address or a CIDR, comma-separated');
    }
  }
  return Object.freeze(entries);
}

/** CCKM_TLS_CERT + CCKM_TLS_KEY (both or neither), CCKM_TLS_CLIENT_CA (only with them). */
function tlsSettings(env: Env): Pick<Config, 'tls'> {
  const certFile = env.CCKM_TLS_CERT?.trim();
  const keyFile = env.CCKM_TLS_KEY?.trim();
  const clientCaFile = env.CCKM_TLS_CLIENT_CA?.trim();
  if (!certFile !== !keyFile)
    throw ValidationError.field(
      certFile ? 'CCKM_TLS_KEY' : 'CCKM_TLS_CERT',
      'must be set together with the other of CCKM_TLS_CERT and CCKM_TLS_KEY',
    );
  if (!certFile || !keyFile) {
    if (clientCaFile)
      throw ValidationError.field(
        'CCKM_TLS_CLIENT_CA',
        'needs CCKM_TLS_CERT and CCKM_TLS_KEY (client certificates are a TLS feature)',
      );
    return {};
  }
  return { tls: { certFile, keyFile, ...(clientCaFile ? { clientCaFile } : {}) } };
}

function metricsToken(raw: string): string {
  if (raw.length < 32 || raw.length > 512 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw ValidationError.field('CCKM_METRICS_TOKEN', 'must be 32 to 512 printable characters without spaces');
  }
  return raw;
}

/** CCKM_XKS_PROXY_PUBLIC_ENDPOINT: `https://<host>`, as AWS requires of XksProxyUriEndpoint. */
function xksPublicEndpoint(env: Env): string | undefined {
  const v = env.CCKM_XKS_PROXY_PUBLIC_ENDPOINT?.trim();
  if (!v) return undefined;
  if (!/^https:\/\/[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/.test(v)) {
    throw ValidationError.field('CCKM_XKS_PROXY_PUBLIC_ENDPOINT', 'must be https://<host> with no port and no path');
  }
  return v;
}

/** Regions the emulator KMS account covers by default (the commercial partition's). */
const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
] as const;
