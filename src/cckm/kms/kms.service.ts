import { randomUUID } from 'node:crypto';
import { assertCanWrite, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { KmsProvider } from '../../providers/kms-provider.js';
import { cloudOfRegion, partitionOf, type ProviderResolver } from '../../providers/registry.js';
import { MAX_PAGE, type ListQuery, type Page } from '../common/list.js';
import type { ConnectionRecord, KmsAccountRecord } from '../common/records.js';
import { TtlCache } from '../common/ttl-cache.js';
import { ConnectionHealth } from '../connections/connection-health.js';
import type { ConnectionRepository, KmsAccountRepository } from '../connections/connection.repository.js';
import type { AwsExternalIds } from '../connections/external-id.js';
import { homeRegion, providerTarget } from '../connections/provider-target.js';
import { KMS_PERMISSIONS, KmsAcls } from './kms-acls.js';

export interface KmsInput {
  name?: string;
  account_id?: string;
  connection?: string;
  regions?: string[];
  assume_role_arn?: string;
  assume_role_external_id?: string;
  /** Approvals a destructive key change needs (0..10; 0: off). */
  approvals_required?: number;
}

/** A KMS account together with the connection it uses. */
export interface KmsView {
  kms: KmsAccountRecord;
  connection: ConnectionRecord;
  /** The account root's ARN, in the partition of the connection's cloud. */
  rootArn: string;
}

/** KMS accounts ("kms" containers): an AWS account reached through a connection, in chosen regions. */
export class KmsService {
  private readonly kmsCache: TtlCache<KmsAccountRecord>;
  private readonly connectionCache: TtlCache<ConnectionRecord>;
  /** Records on the connection when calls through it start or stop authenticating. */
  readonly health: ConnectionHealth;
  /** The permission check per KMS account (ACLs), over this service's cached records. */
  readonly acls = new KmsAcls(this);

  constructor(
    private readonly repo: KmsAccountRepository,
    private readonly connections: ConnectionRepository,
    private readonly box: SecretBox,
    private readonly providers: ProviderResolver,
    private readonly externalIds: AwsExternalIds,
    cacheTtlMs = 5000,
  ) {
    this.kmsCache = new TtlCache(cacheTtlMs);
    this.connectionCache = new TtlCache(cacheTtlMs);
    this.health = new ConnectionHealth(connections);
  }

  /** Drops cached records after a connection changed (called by the connection service). */
  forgetCached(): void {
    this.kmsCache.clear();
    this.connectionCache.clear();
  }

  /** The KMS accounts on which the caller holds some permission (all of them for admin and cckm_admins). */
  async list(p: Principal, filter: { name?: string; awsAccountId?: string }, q: ListQuery): Promise<Page<KmsView>> {
    const ids = await this.acls.viewableKmsIds(p, KMS_PERMISSIONS);
    const { total, rows } = await this.repo.list(p.account, ids === 'all' ? filter : { ...filter, ids }, q);
    const resources = await Promise.all(rows.map(async (kms) => this.view(await this.withConnection(kms))));
    return { skip: q.skip, limit: q.limit, total, resources };
  }

  /** @throws NotFoundError; ForbiddenError when the caller holds no permission on it */
  async get(p: Principal, idOrName: string): Promise<KmsView> {
    const kms = await this.acls.assertPermitted(p, await this.find(p, idOrName), KMS_PERMISSIONS);
    return this.view(await this.withConnection(kms));
  }

  /** Resolves a KMS account by id or name within the caller's account. */
  async find(p: Principal, idOrName: string, field?: string): Promise<KmsAccountRecord> {
    const kms = await this.kmsCache.get(`${p.account}\u0000${idOrName}`, () => this.repo.find(p.account, idOrName));
    if (!kms) {
      if (field) throw ValidationError.field(field, 'no KMS account with this name or id');
      throw new NotFoundError(`KMS account ${idOrName} not found`);
    }
    return kms;
  }

  /** Every KMS account of a tenant (for the ACL checker's list filters; bounded by MAX_PAGE). */
  async all(account: string): Promise<KmsAccountRecord[]> {
    return (await this.repo.list(account, {}, { skip: 0, limit: MAX_PAGE })).rows;
  }

  /** The connection a KMS account uses. */
  async connectionOf(kms: KmsAccountRecord): Promise<ConnectionRecord> {
    const connection = await this.connectionCache.get(kms.connectionId, () =>
      this.connections.findById(kms.connectionId),
    );
    if (!connection) throw new NotFoundError(`Connection of KMS account ${kms.name} not found`);
    return connection;
  }

  /**
   * The provider for one region of a KMS account. Its calls keep the connection's
   * `last_connection_ok` up to date (see {@link ConnectionHealth}).
   */
  async provider(
    kms: KmsAccountRecord,
    region: string,
  ): Promise<{ provider: KmsProvider; connection: ConnectionRecord }> {
    const connection = await this.connectionOf(kms);
    const provider = this.providers.resolve(providerTarget(this.box, connection, region, kms));
    return { provider: this.health.observe(provider, connection), connection };
  }

  /**
   * Creates a KMS account after checking, with STS GetCallerIdentity through the
   * connection (and the role, when one is given), that the credentials reach `account_id`.
   */
  async create(
    p: Principal,
    input: Required<Pick<KmsInput, 'name' | 'account_id' | 'connection' | 'regions'>> & KmsInput,
  ): Promise<KmsView> {
    assertCanWrite(p);
    const connection = await this.connectionNamed(p, input.connection);
    this.checkRegions(input.regions, connection.cloudName);
    this.externalIds.check(p.account, input.assume_role_external_id);
    if (await this.repo.find(p.account, input.name))
      throw new ConflictError(`KMS account ${input.name} already exists`);
    const roleArn = input.assume_role_arn ?? null;
    const role = { assumeRoleArn: roleArn, assumeRoleExternalId: this.externalIds.shown(p.account, roleArn) };
    await this.checkAccount(connection, role, input.account_id, input.regions[0]!);
    const kms = await this.repo.create({
      id: randomUUID(),
      account: p.account,
      name: input.name,
      awsAccountId: input.account_id,
      connectionId: connection.id,
      regions: [...new Set(input.regions)],
      approvalsRequired: approvalsRequired(input.approvals_required) ?? 0,
      ...role,
    });
    return this.view({ kms, connection });
  }

  async update(p: Principal, idOrName: string, input: KmsInput): Promise<KmsView> {
    assertCanWrite(p);
    const current = await this.find(p, idOrName);
    const approvals = approvalsRequired(input.approvals_required);
    this.externalIds.check(p.account, input.assume_role_external_id);
    const connection = input.connection
      ? await this.connectionNamed(p, input.connection)
      : (await this.withConnection(current)).connection;
    const regions = input.regions ?? current.regions;
    this.checkRegions(regions, connection.cloudName);
    const assumeRoleArn = input.assume_role_arn !== undefined ? input.assume_role_arn : current.assumeRoleArn;
    const role = { assumeRoleArn, assumeRoleExternalId: this.externalIds.shown(p.account, assumeRoleArn) };
    if (input.connection || input.assume_role_arn !== undefined) {
      await this.checkAccount(connection, role, current.awsAccountId, regions[0]!);
    }
    this.forgetCached();
    const kms = await this.repo.update(current.id, {
      connectionId: connection.id,
      regions: [...new Set(regions)],
      ...(approvals !== undefined ? { approvalsRequired: approvals } : {}),
      ...role,
    });
    return this.view({ kms, connection });
  }

  async delete(p: Principal, idOrName: string): Promise<void> {
    assertCanWrite(p);
    const kms = await this.find(p, idOrName);
    const refs = await this.repo.countReferences(kms.id);
    if (refs.keys || refs.templates) {
      throw new ConflictError(
        `KMS account ${kms.name} is referenced by ${refs.keys} key record(s) and ${refs.templates} policy template(s); delete them first`,
      );
    }
    await this.repo.delete(kms.id);
    this.forgetCached();
  }

  /** A KMS account as answered: the tenant's generated ExternalId when it assumes a role (older rows may hold another). */
  private view(v: Omit<KmsView, 'rootArn'>): KmsView {
    return {
      ...v,
      kms: { ...v.kms, assumeRoleExternalId: this.externalIds.shown(v.kms.account, v.kms.assumeRoleArn) },
      rootArn: `arn:${partitionOf(v.connection.cloudName)}:iam::${v.kms.awsAccountId}:root`,
    };
  }

  private async withConnection(kms: KmsAccountRecord): Promise<Omit<KmsView, 'rootArn'>> {
    return { kms, connection: await this.connectionOf(kms) };
  }

  private async connectionNamed(p: Principal, idOrName: string): Promise<ConnectionRecord> {
    const c = await this.connections.find(p.account, idOrName);
    if (!c) throw ValidationError.field('connection', 'no connection with this name or id');
    return c;
  }

  private checkRegions(regions: string[], cloud: string): void {
    regions.forEach((r, i) => {
      if (cloudOfRegion(r) !== cloud) throw ValidationError.field(`regions[${i}]`, `is not a region of cloud ${cloud}`);
    });
  }

  private async checkAccount(
    connection: ConnectionRecord,
    role: { assumeRoleArn: string | null; assumeRoleExternalId: string | null },
    accountId: string,
    region: string,
  ): Promise<void> {
    const target = providerTarget(this.box, connection, region ?? homeRegion(connection.cloudName), role);
    const identity = await this.health.observe(this.providers.resolve(target), connection).getCallerIdentity();
    if (identity.account !== accountId) {
      throw ValidationError.field(
        'account_id',
        `does not match the account the connection's credentials reach (${identity.account})`,
      );
    }
  }
}

/** `approvals_required`: an integer 0..10 (the schema checks it too; a direct caller gets the same answer). */
function approvalsRequired(n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 0 || n > 10)
    throw ValidationError.field('approvals_required', 'must be an integer from 0 to 10');
  return n;
}
