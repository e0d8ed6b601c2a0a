import { randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../../auth/passwords.js';
import { assertAdmin, assertCanRead, isAdmin, ROOT_ACCOUNT, type Principal } from '../../auth/principal.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/index.js';
import { MAX_PAGE, type ListQuery, type Page } from '../common/list.js';
import type { GroupRecord, UserRecord } from '../common/records.js';
import { GROUP_DESCRIPTIONS } from './auth.service.js';
import type { GroupRepository, UserRepository } from './user.repository.js';

export interface CreateUserInput {
  username: string;
  password: string;
  name?: string;
  email?: string;
  groups?: string[];
  account?: string;
}

export interface UpdateUserInput {
  password?: string;
  name?: string;
  email?: string;
  groups?: string[];
  disabled?: boolean;
}

export interface GroupView extends GroupRecord {
  usersCount: number;
}

/** User and group management. Admins manage their own account; root-account admins may create users in other accounts. */
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly groups: GroupRepository,
    private readonly passwords: PasswordHasher,
    /** Told about every user whose tokens a change revoked, so this instance's user-state cache forgets it at once. */
    private readonly onUserChange: (userId: string) => void = () => {},
  ) {}

  async list(p: Principal, filter: { username?: string; group?: string }, q: ListQuery): Promise<Page<UserRecord>> {
    assertAdmin(p);
    const { total, rows } = await this.users.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  async get(p: Principal, id: string): Promise<UserRecord> {
    const user = await this.users.findById(id);
    // A user may read themselves; admins read anyone in their account.
    if (!user || user.account !== p.account || (user.id !== p.userId && !isAdmin(p))) {
      throw new NotFoundError(`User ${id} not found`);
    }
    return user;
  }

  async create(p: Principal, input: CreateUserInput): Promise<UserRecord> {
    assertAdmin(p);
    const account = input.account ?? p.account;
    if (account !== p.account && p.account !== ROOT_ACCOUNT) {
      throw new ForbiddenError('Only administrators of the root account may create users in other accounts');
    }
    await this.groups.ensureBuiltIns(account, GROUP_DESCRIPTIONS);
    const groups = await this.checkGroups(account, input.groups ?? ['cckm_users']);
    // Unique per account: a username another account has is no conflict (and is not revealed).
    if (await this.users.findByUsername(account, input.username))
      throw new ConflictError(`User ${input.username} already exists`);
    return this.users.create({
      id: randomUUID(),
      account,
      username: input.username,
      name: input.name ?? null,
      email: input.email ?? null,
      passwordHash: await this.passwords.hash(input.password),
      groups,
    });
  }

  async update(p: Principal, id: string, input: UpdateUserInput): Promise<UserRecord> {
    const user = await this.get(p, id);
    const self = user.id === p.userId;
    if (!isAdmin(p) && (input.groups !== undefined || input.disabled !== undefined)) {
      throw new ForbiddenError('Only administrators may change groups or disable users');
    }
    if (self && (input.disabled === true || (input.groups && !input.groups.includes('admin') && isAdmin(p)))) {
      throw new ConflictError('Administrators cannot disable themselves or leave the admin group');
    }
    const groups = input.groups ? await this.checkGroups(user.account, input.groups) : undefined;
    const passwordHash = input.password ? await this.passwords.hash(input.password) : undefined;
    // Access tokens issued before a new password, a disable or any group change stop working.
    const groupsChanged =
      groups !== undefined && (groups.length !== user.groups.length || groups.some((g) => !user.groups.includes(g)));
    const revoke = passwordHash !== undefined || input.disabled === true || groupsChanged;
    const updated = await this.users.update(id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(groups ? { groups } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      ...(passwordHash ? { passwordHash } : {}),
      ...(revoke ? { bumpTokenVersion: true } : {}),
    });
    this.onUserChange(id); // also re-enabling: this instance must not keep the cached state
    if (passwordHash || input.disabled) await this.users.revokeRefreshTokens(id);
    return updated;
  }

  async delete(p: Principal, id: string): Promise<void> {
    assertAdmin(p);
    const user = await this.get(p, id);
    if (user.id === p.userId) throw new ConflictError('Administrators cannot delete themselves');
    await this.users.delete(id);
    this.onUserChange(id);
  }

  async listGroups(p: Principal, q: ListQuery): Promise<Page<GroupView>> {
    assertCanRead(p);
    await this.groups.ensureBuiltIns(p.account, GROUP_DESCRIPTIONS);
    const { total, rows } = await this.groups.list(p.account, q);
    const resources = await Promise.all(rows.map((g) => this.withCount(g)));
    return { skip: q.skip, limit: q.limit, total, resources };
  }

  async getGroup(p: Principal, name: string): Promise<GroupView> {
    assertCanRead(p);
    await this.groups.ensureBuiltIns(p.account, GROUP_DESCRIPTIONS);
    const g = await this.groups.find(p.account, name);
    if (!g) throw new NotFoundError(`Group ${name} not found`);
    return this.withCount(g);
  }

  async createGroup(p: Principal, input: { name: string; description?: string }): Promise<GroupView> {
    assertAdmin(p);
    if (await this.groups.find(p.account, input.name)) throw new ConflictError(`Group ${input.name} already exists`);
    const g = await this.groups.create({
      id: randomUUID(),
      account: p.account,
      name: input.name,
      description: input.description ?? null,
    });
    return { ...g, usersCount: 0 };
  }

  async deleteGroup(p: Principal, name: string): Promise<void> {
    assertAdmin(p);
    const g = await this.getGroup(p, name);
    if (g.builtIn) throw new ConflictError(`Group ${name} is built in and cannot be deleted`);
    // The contract: members lose the group (they are not a reason to refuse).
    const members = await this.users.list(p.account, { group: name }, { skip: 0, limit: MAX_PAGE });
    for (const u of members.rows) {
      await this.users.update(u.id, { groups: u.groups.filter((x) => x !== name), bumpTokenVersion: true });
      this.onUserChange(u.id);
    }
    await this.groups.delete(p.account, name);
  }

  async setMembership(p: Principal, name: string, userId: string, member: boolean): Promise<GroupView> {
    assertAdmin(p);
    await this.getGroup(p, name);
    const user = await this.get(p, userId);
    const groups = member ? [...new Set([...user.groups, name])] : user.groups.filter((g) => g !== name);
    await this.update(p, userId, { groups });
    return this.getGroup(p, name);
  }

  private async checkGroups(account: string, groups: string[]): Promise<string[]> {
    const unique = [...new Set(groups)];
    for (const [i, name] of unique.entries()) {
      if (!(await this.groups.find(account, name)))
        throw ValidationError.field(`groups[${i}]`, `group ${name} does not exist`);
    }
    return unique;
  }

  private async withCount(g: GroupRecord): Promise<GroupView> {
    return { ...g, usersCount: await this.users.countInGroup(g.account, g.name) };
  }
}
