import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { awsError, type AppError } from '../errors/index.js';

/** Access keys the emulator accepts (EMULATOR_CREDENTIALS), each bound to an account. */
type EmulatorCredentials = Readonly<Record<string, { secretAccessKey: string; accountId: string }>>;

export interface EmulatorTenancyOptions {
  /** HMAC key for deriving tenants' accounts (the server derives it from its master key). */
  key: Uint8Array;
  /** The bootstrap tenant, which keeps `rootAccountId`. */
  rootTenant: string;
  /** EMULATOR_ACCOUNT_ID. */
  rootAccountId: string;
  credentials: EmulatorCredentials;
}

/** What an emulator connection presents: its owner and, optionally, credentials and a role. */
export interface EmulatorCaller {
  /** The opencckm account (tenant) owning the connection. */
  tenant: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  assumeRoleArn?: string;
}

const ROLE_ACCOUNT = /^arn:[^:]+:iam::(\d{12}):role\//;
const ACCOUNT_SPACE = 10n ** 12n;

/**
 * Which emulator (AWS) account each tenant's emulator connections reach. The bundled
 * emulator is shared by every tenant, so the account is the only wall between them:
 * a connection without credentials reaches its tenant's *own* account, never another's.
 *
 * - The root tenant owns EMULATOR_ACCOUNT_ID (what the bootstrap registers).
 * - Any other tenant owns a 12-digit account derived from the server's key and the
 *   tenant's name (HMAC-SHA256), stable across restarts and instances sharing the key,
 *   unguessable without it, and never one of the configured accounts.
 * - Credentials must be an EMULATOR_CREDENTIALS entry with its secret; they reach that
 *   entry's account, whoever the tenant is (the secret is the proof, as on AWS).
 * - A role must be in the account reached: cross-account roles need trust policies,
 *   which the emulator does not model yet.
 */
export class EmulatorTenancy {
  private readonly reserved: ReadonlySet<string>;
  private readonly owned = new Map<string, string>();

  constructor(private readonly options: EmulatorTenancyOptions) {
    this.reserved = new Set([options.rootAccountId, ...Object.values(options.credentials).map((c) => c.accountId)]);
  }

  /** The tenant's own emulator account. */
  accountOf(tenant: string): string {
    if (tenant === this.options.rootTenant) return this.options.rootAccountId;
    let account = this.owned.get(tenant);
    if (account === undefined) {
      account = deriveTenantAccount(this.options.key, tenant, this.reserved);
      this.owned.set(tenant, account);
    }
    return account;
  }

  /**
   * The account a connection reaches, or the error AWS would answer its calls with.
   * Refusals are returned, not thrown: a provider is built without calling AWS, and
   * only its calls fail (as an SDK client with bad credentials does).
   */
  resolve(caller: EmulatorCaller): { accountId: string } | { error: AppError } {
    let accountId: string;
    if (caller.accessKeyId || caller.secretAccessKey) {
      const entry = caller.accessKeyId ? this.options.credentials[caller.accessKeyId] : undefined;
      if (!entry)
        return {
          error: awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
        };
      if (!secretsEqual(entry.secretAccessKey, caller.secretAccessKey ?? '')) {
        return {
          error: awsError(
            'InvalidSignatureException',
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
          ),
        };
      }
      accountId = entry.accountId;
    } else {
      accountId = this.accountOf(caller.tenant);
    }
    if (caller.assumeRoleArn) {
      const roleAccount = ROLE_ACCOUNT.exec(caller.assumeRoleArn)?.[1];
      if (roleAccount !== accountId) {
        // STS's own error code for a role the caller may not assume.
        return {
          error: awsError(
            'AccessDenied',
            `Account ${accountId} is not authorized to perform: sts:AssumeRole on resource: ${caller.assumeRoleArn} (the emulator allows roles of the caller's own account only)`,
          ),
        };
      }
    }
    return { accountId };
  }
}

/**
 * A tenant's derived account: HMAC-SHA256(key, `<counter>:<tenant>`) reduced to 12
 * decimal digits; the counter moves on while the result is a reserved account.
 * @internal exported for tests
 */
export function deriveTenantAccount(key: Uint8Array, tenant: string, reserved: ReadonlySet<string>): string {
  for (let counter = 0; ; counter++) {
    const mac = createHmac('sha256', key).update(`${counter}:${tenant}`).digest();
    // 64 bits mod 10^12: the bias (about 1 in 18 million) does not matter for an identifier.
    const account = (mac.readBigUInt64BE(0) % ACCOUNT_SPACE).toString().padStart(12, '0');
    if (!reserved.has(account)) return account;
  }
}

/** Constant-time comparison; digests first, so not even the secret's length leaks. */
function secretsEqual(expected: string, given: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}
