import { randomUUID } from 'node:crypto';
import { assertCanRead, assertCanWrite, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import { cloudOfRegion, type ProviderResolver } from '../../providers/registry.js';
import type { ListQuery, Page } from '../common/list.js';
import type { ConnectionRecord } from '../common/records.js';
import type { ConnectionFilter, ConnectionRepository } from './connection.repository.js';
import { ConnectionHealth } from './connection-health.js';
import type { AwsExternalIds } from './external-id.js';
import { homeRegion, providerTarget, secretPurpose } from './provider-target.js';

export interface ConnectionInput {
  name?: string;
  description?: string;
  provider?: 'aws' | 'emulator';
  cloud_name?: 'aws' | 'aws-us-gov' | 'aws-cn';
  access_key_id?: string;
  secret_access_key?: string;
  assume_role_arn?: string;
  assume_role_external_id?: string;
  aws_sts_regional_endpoints?: 'legacy' | 'regional';
  aws_region?: string;
  endpoint_url?: string;
  labels?: Record<string, string>;
  meta?: Record<string, unknown>;
  products?: string[];
}

export interface ConnectionTestResult {
  connection_ok: boolean;
  connection_error?: string;
  account_id?: string;
  arn?: string;
}

/** Where tenants' endpoints may point (the outbound policy); checks resolve names. */
export interface EndpointPolicy {
  /** @returns why the URL is refused, or undefined */
  verify(url: string, mode: 'aws'): Promise<string | undefined>;
}

export interface ConnectionServiceOptions {
  emulatorEnabled: boolean;
  /** The tenant's generated ExternalId for AssumeRole. */
  externalIds: AwsExternalIds;
  /** Checks `endpoint_url`; without one every http(s) URL passes (unit tests). */
  endpoints?: EndpointPolicy;
  /** Connections of provider aws may lack keys and use the server's own AWS identity (CCKM_AWS_AMBIENT_CREDENTIALS). */
  ambientCredentials?: boolean;
  /** Invoked when a connection changes or goes, so cached provider clients are dropped. */
  onChange?: (connectionId: string) => void;
  /** Shared with the KMS service, so tests and ordinary calls agree on the connection's state. */
  health?: ConnectionHealth;
}

/** AWS connections: credentials (sealed at rest) and how to reach KMS with them. */
export class ConnectionService {
  private readonly health: ConnectionHealth;

  constructor(
    private readonly repo: ConnectionRepository,
    private readonly box: SecretBox,
    private readonly providers: ProviderResolver,
    private readonly options: ConnectionServiceOptions,
  ) {
    this.health = options.health ?? new ConnectionHealth(repo);
  }

  async list(p: Principal, filter: ConnectionFilter, q: ListQuery): Promise<Page<ConnectionRecord>> {
    assertCanRead(p);
    const { total, rows } = await this.repo.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows.map((c) => this.view(c)) };
  }

  async get(p: Principal, idOrName: string): Promise<ConnectionRecord> {
    assertCanRead(p);
    return this.view(await this.find(p, idOrName));
  }

  /** The ExternalId every AssumeRole of the caller's account carries, for their roles' trust policies. */
  externalId(p: Principal): string {
    assertCanWrite(p);
    return this.options.externalIds.of(p.account);
  }

  async create(p: Principal, input: ConnectionInput & { name: string }): Promise<ConnectionRecord> {
    assertCanWrite(p);
    const draft = this.draft(p, randomUUID(), input.name, input);
    await this.checkEndpoint(input.endpoint_url);
    if (await this.repo.find(p.account, input.name)) throw new ConflictError(`Connection ${input.name} already exists`);
    return this.view(await this.repo.create({ ...draft, createdBy: p.username }));
  }

  async update(p: Principal, idOrName: string, input: ConnectionInput): Promise<ConnectionRecord> {
    assertCanWrite(p);
    const current = await this.find(p, idOrName);
    this.options.externalIds.check(p.account, input.assume_role_external_id);
    this.validate({
      provider: (input.provider ?? current.provider) as 'aws' | 'emulator',
      cloud_name: (input.cloud_name ?? current.cloudName) as 'aws',
      ...((input.endpoint_url ?? current.endpointUrl)
        ? { endpoint_url: input.endpoint_url ?? current.endpointUrl ?? '' }
        : {}),
      ...((input.access_key_id ?? current.accessKeyId)
        ? { access_key_id: input.access_key_id ?? current.accessKeyId ?? '' }
        : {}),
      ...(input.secret_access_key || current.secretAccessKeyEnc
        ? { secret_access_key: input.secret_access_key ?? 'stored' }
        : {}),
      ...((input.aws_region ?? current.awsRegion) ? { aws_region: input.aws_region ?? current.awsRegion ?? '' } : {}),
    });
    if (input.endpoint_url) await this.checkEndpoint(input.endpoint_url);
    const updated = await this.repo.update(current.id, {
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.provider !== undefined ? { provider: input.provider } : {}),
      ...(input.cloud_name !== undefined ? { cloudName: input.cloud_name } : {}),
      ...(input.access_key_id !== undefined ? { accessKeyId: input.access_key_id } : {}),
      ...(input.secret_access_key !== undefined
        ? { secretAccessKeyEnc: this.box.seal(input.secret_access_key, secretPurpose(current.id)) }
        : {}),
      ...(input.assume_role_arn !== undefined
        ? {
            assumeRoleArn: input.assume_role_arn,
            assumeRoleExternalId: this.options.externalIds.shown(p.account, input.assume_role_arn),
          }
        : {}),
      ...(input.aws_sts_regional_endpoints !== undefined
        ? { awsStsRegionalEndpoints: input.aws_sts_regional_endpoints }
        : {}),
      ...(input.aws_region !== undefined ? { awsRegion: input.aws_region } : {}),
      ...(input.endpoint_url !== undefined ? { endpointUrl: input.endpoint_url } : {}),
      ...(input.labels !== undefined ? { labels: input.labels } : {}),
      ...(input.meta !== undefined ? { meta: input.meta } : {}),
      ...(input.products !== undefined ? { products: input.products } : {}),
    });
    this.health.forget(current.id);
    this.options.onChange?.(current.id);
    return this.view(updated);
  }

  async delete(p: Principal, idOrName: string): Promise<void> {
    assertCanWrite(p);
    const c = await this.find(p, idOrName);
    const used = await this.repo.countKmsAccounts(c.id);
    if (used > 0)
      throw new ConflictError(`Connection ${c.name} is used by ${used} KMS account(s); delete or move them first`);
    await this.repo.delete(c.id);
    this.health.forget(c.id);
    this.options.onChange?.(c.id);
  }

  /** Tests a stored connection with STS GetCallerIdentity and records the outcome. */
  async test(p: Principal, idOrName: string): Promise<ConnectionTestResult> {
    assertCanWrite(p);
    const c = await this.find(p, idOrName);
    const result = await this.probe(c);
    const outcome = result.connection_ok
      ? { ok: true as const }
      : { ok: false as const, error: result.connection_error ?? 'unknown error' };
    await this.health.record(c, outcome, true);
    return result;
  }

  /** Tests credentials without storing them. */
  async testParameters(p: Principal, input: ConnectionInput): Promise<ConnectionTestResult> {
    assertCanWrite(p);
    const id = randomUUID();
    const now = new Date();
    const draft = this.draft(p, id, 'connection-test', input);
    await this.checkEndpoint(input.endpoint_url);
    // A one-off connection: its provider is dropped (and its sockets closed) after the probe.
    return this.probe({
      ...draft,
      lastConnectionOk: null,
      lastConnectionError: null,
      lastConnectionAt: null,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
    }).finally(() => this.providers.evict(id));
  }

  /** A connection's stored fields from a request, the secret sealed to the connection's id. */
  private draft(p: Principal, id: string, name: string, input: ConnectionInput) {
    this.options.externalIds.check(p.account, input.assume_role_external_id);
    const merged = this.validate(input);
    return {
      id,
      account: p.account,
      name,
      description: input.description ?? null,
      provider: merged.provider,
      cloudName: merged.cloud_name,
      accessKeyId: input.access_key_id ?? null,
      secretAccessKeyEnc: input.secret_access_key ? this.box.seal(input.secret_access_key, secretPurpose(id)) : null,
      assumeRoleArn: input.assume_role_arn ?? null,
      assumeRoleExternalId: this.options.externalIds.shown(p.account, input.assume_role_arn ?? null),
      awsStsRegionalEndpoints: input.aws_sts_regional_endpoints ?? 'legacy',
      awsRegion: input.aws_region ?? null,
      endpointUrl: input.endpoint_url ?? null,
      labels: input.labels ?? {},
      meta: input.meta ?? {},
      products: input.products ?? ['cckm'],
    };
  }

  /**
   * A failed test is an answer, not an error: HTTP 200 with connection_ok false and
   * AWS's error name, as the original product does.
   */
  private async probe(c: ConnectionRecord): Promise<ConnectionTestResult> {
    try {
      const provider = this.providers.resolve(providerTarget(this.box, c, homeRegion(c.cloudName, c.awsRegion)));
      const id = await provider.getCallerIdentity();
      return { connection_ok: true, account_id: id.account, arn: id.arn };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return { connection_ok: false, connection_error: err.awsName ? `${err.awsName}: ${err.message}` : err.message };
    }
  }

  private async find(p: Principal, idOrName: string): Promise<ConnectionRecord> {
    assertCanRead(p);
    const c = await this.repo.find(p.account, idOrName);
    if (!c) throw new NotFoundError(`Connection ${idOrName} not found`);
    return c;
  }

  /** A record as answered: the tenant's generated ExternalId when it assumes a role (older rows may hold another). */
  private view(c: ConnectionRecord): ConnectionRecord {
    return { ...c, assumeRoleExternalId: this.options.externalIds.shown(c.account, c.assumeRoleArn) };
  }

  /** @throws ValidationError naming endpoint_url when the outbound policy refuses it */
  private async checkEndpoint(url: string | undefined): Promise<void> {
    if (!url || !this.options.endpoints) return;
    const refused = await this.options.endpoints.verify(url, 'aws');
    if (refused) throw ValidationError.field('endpoint_url', refused);
  }

  private validate(input: ConnectionInput): {
    provider: 'aws' | 'emulator';
    cloud_name: 'aws' | 'aws-us-gov' | 'aws-cn';
  } {
    const provider = input.provider ?? 'aws';
    const cloud = input.cloud_name ?? 'aws';
    if (provider === 'emulator' && !this.options.emulatorEnabled) {
      throw ValidationError.field(
        'provider',
        'the bundled emulator is disabled on this server (EMULATOR_ENABLED=false)',
      );
    }
    if (provider === 'emulator' && input.endpoint_url) {
      throw ValidationError.field(
        'endpoint_url',
        'applies to provider aws only; the emulator provider runs in-process',
      );
    }
    if (Boolean(input.access_key_id) !== Boolean(input.secret_access_key)) {
      throw ValidationError.field(
        input.access_key_id ? 'secret_access_key' : 'access_key_id',
        'access_key_id and secret_access_key go together',
      );
    }
    if (provider === 'aws' && !input.access_key_id && !this.options.ambientCredentials) {
      throw ValidationError.field(
        'access_key_id',
        'is required with secret_access_key: this server does not lend its own AWS identity to connections (CCKM_AWS_AMBIENT_CREDENTIALS is off)',
      );
    }
    if (input.aws_region && cloudOfRegion(input.aws_region) !== cloud) {
      throw ValidationError.field('aws_region', `is not a region of cloud ${cloud}`);
    }
    return { provider, cloud_name: cloud };
  }
}
