import { randomUUID } from 'node:crypto';
import { assertCanRead, assertCanWrite, type Principal } from '../../auth/principal.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import { partitionOf } from '../../providers/registry.js';
import type { ListQuery, Page } from '../common/list.js';
import type { KmsAccountRecord, PolicyPrincipals, PolicyTemplateRecord } from '../common/records.js';
import type { KmsAccountRepository, PolicyTemplateRepository } from '../connections/connection.repository.js';
import type { KmsService } from '../kms/kms.service.js';
import { hasPrincipals, parsePolicy, templatePolicy, type PolicyDocument } from '../policy/key-policy.js';
import { PRINCIPAL_FIELDS, principalsOf, type PrincipalFields } from './principal-fields.js';

export interface TemplateInput extends PrincipalFields {
  name?: string;
  kms?: string;
  policy?: unknown;
  auto_push?: boolean;
}

export interface TemplateView {
  template: PolicyTemplateRecord;
  kms: KmsAccountRecord;
  /**
   * The policy the template gives: its literal policy, or for principal lists the one it
   * builds for a symmetric encryption key of the account (key users' actions differ per key
   * usage when applied), with the partition of the account's connection in its ARNs.
   */
  policy: PolicyDocument;
  keysCount: number;
}

/** Re-applies a template's policy to every key using it; returns how many keys were updated. */
/** Applies a template's policy to the keys carrying it (auto_push); answers how many. */
export interface TemplatePusher {
  push(p: Principal, template: PolicyTemplateRecord): Promise<number>;
}

/** Policy templates: a literal key policy, or principal lists a policy is built from per key. */
export class TemplateService {
  constructor(
    private readonly repo: PolicyTemplateRepository,
    private readonly kmsRepo: KmsAccountRepository,
    private readonly kmsService: KmsService,
    private readonly pusher: TemplatePusher,
  ) {}

  async list(p: Principal, filter: { name?: string; kms?: string }, q: ListQuery): Promise<Page<TemplateView>> {
    assertCanRead(p);
    const kmsId = filter.kms ? (await this.kmsService.find(p, filter.kms, 'kms')).id : undefined;
    const { total, rows } = await this.repo.list(
      p.account,
      { ...(filter.name ? { name: filter.name } : {}), ...(kmsId ? { kmsId } : {}) },
      q,
    );
    return { skip: q.skip, limit: q.limit, total, resources: await Promise.all(rows.map((t) => this.view(t))) };
  }

  async get(p: Principal, idOrName: string): Promise<TemplateView> {
    assertCanRead(p);
    return this.view(await this.find(p, idOrName));
  }

  /** Resolves a template by id or name; with `field`, a missing one is bad input naming that field. */
  async find(p: Principal, idOrName: string, field?: string): Promise<PolicyTemplateRecord> {
    const t = await this.repo.find(p.account, idOrName);
    if (!t) {
      if (field) throw ValidationError.field(field, 'no policy template with this name or id');
      throw new NotFoundError(`Policy template ${idOrName} not found`);
    }
    return t;
  }

  async create(p: Principal, input: TemplateInput & { name: string; kms: string }): Promise<TemplateView> {
    assertCanWrite(p);
    const kms = await this.kmsService.find(p, input.kms, 'kms');
    const content = this.content(input, true);
    if (await this.repo.find(p.account, input.name))
      throw new ConflictError(`Policy template ${input.name} already exists`);
    const template = await this.repo.create({
      id: randomUUID(),
      account: p.account,
      name: input.name,
      kmsId: kms.id,
      ...content,
    });
    return this.view(template, kms);
  }

  /**
   * Changes a template. A verified template (already applied to keys) changes only with
   * `auto_push: true`, which re-applies the new policy to every key using it.
   */
  async update(p: Principal, idOrName: string, input: TemplateInput): Promise<TemplateView & { pushedKeys: number }> {
    assertCanWrite(p);
    const current = await this.find(p, idOrName);
    if (current.isVerified && input.auto_push !== true) {
      throw ValidationError.field(
        'auto_push',
        'must be true to change a verified template; its policy is then re-applied to every key using it',
      );
    }
    const touched = input.policy !== undefined || PRINCIPAL_FIELDS.some(([f]) => input[f] !== undefined);
    const template = touched ? await this.repo.update(current.id, this.content(input, false)) : current;
    const pushedKeys = input.auto_push ? await this.pusher.push(p, template) : 0;
    return { ...(await this.view(template)), pushedKeys };
  }

  async delete(p: Principal, idOrName: string): Promise<void> {
    assertCanWrite(p);
    const t = await this.find(p, idOrName);
    const keys = await this.repo.countKeys(t.id);
    if (keys > 0) throw new ConflictError(`Policy template ${t.name} is used by ${keys} key(s)`);
    await this.repo.delete(t.id);
  }

  async markVerified(template: PolicyTemplateRecord): Promise<void> {
    if (!template.isVerified) await this.repo.update(template.id, { isVerified: true });
  }

  private content(input: TemplateInput, creating: boolean): { policy: unknown } & PolicyPrincipals {
    const principals = principalsOf(input);
    const listed = PRINCIPAL_FIELDS.find(([f]) => input[f] !== undefined)?.[0];
    if (input.policy !== undefined && listed) {
      throw ValidationError.field('policy', `policy and ${listed} are mutually exclusive`);
    }
    if (input.policy !== undefined) {
      return {
        policy: parsePolicy(input.policy, 'policy'),
        keyAdmins: [],
        keyAdminsRoles: [],
        keyUsers: [],
        keyUsersRoles: [],
        externalAccounts: [],
      };
    }
    if (creating && !hasPrincipals(principals)) {
      throw ValidationError.field(
        'policy',
        'a template needs a policy or at least one of key_admins, key_admins_roles, key_users, key_users_roles, external_accounts',
      );
    }
    return { policy: null, ...principals };
  }

  private async view(template: PolicyTemplateRecord, known?: KmsAccountRecord): Promise<TemplateView> {
    const kms = known ?? (await this.kmsRepo.findById(template.kmsId));
    if (!kms) throw new NotFoundError(`KMS account of template ${template.name} not found`);
    const { cloudName } = await this.kmsService.connectionOf(kms);
    const policy = templatePolicy(template, {
      accountId: kms.awsAccountId,
      partition: partitionOf(cloudName),
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec: 'SYMMETRIC_DEFAULT',
    });
    return { template, kms, policy, keysCount: await this.repo.countKeys(template.id) };
  }
}
