import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PolicyError } from '../../iam-policy/conditions.js';
import type { NamedPolicy } from '../../iam-policy/evaluate.js';
import { compilePolicy, type RequestPrincipal } from '../../iam-policy/policy.js';

/**
 * The emulator's principals: account roots, IAM users and roles declared in the identities
 * file (EMULATOR_IDENTITIES), and assumed-role sessions. A principal is known by its ARN;
 * everything the evaluator needs (type, ids, identity policies) is derived from the ARN
 * and the file.
 *
 * The file (JSON):
 * ```json
 * { "users": [{ "account": "111122223333", "name": "alice", "policies": [{ "name": "p", "document": {...} }] }],
 *   "roles": [{ "account": "111122223333", "name": "ops", "trustPolicy": {...}, "policies": [...] }] }
 * ```
 * `policies` absent = identity policies not configured (the principal is then allowed
 * wherever a key policy delegates to its account); `[]` = configured, none.
 */

type PrincipalType = 'Account' | 'User' | 'AssumedRole' | 'Role';

/** A calling principal with everything authorization needs. */
export interface Principal extends RequestPrincipal {
  readonly type: PrincipalType;
  /** aws:userid: the account for roots, `AIDA…` for users, `AROA…:<session>` for sessions. */
  readonly userId: string;
  /** aws:username (IAM users only). */
  readonly username?: string;
  /** Undefined = not configured (allowed by them). */
  readonly identityPolicies: readonly NamedPolicy[] | undefined;
}

interface Declared {
  kind: 'user' | 'role';
  accountId: string;
  name: string;
  policies: NamedPolicy[] | undefined;
  trust?: NamedPolicy;
}

const NAME = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT = /^\d{12}$/;
const MAX_POLICIES = 20;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PRINCIPAL =
  /^arn:([a-z-]+):(iam|sts)::(\d{12}):(root|user\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})|role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})|assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64}))$/;

/** A stable IAM-style unique id (`AIDA…`, `AROA…`) for a principal ARN. */
function uniqueIdOf(prefix: 'AIDA' | 'AROA', key: string): string {
  const digest = createHash('sha256').update(key).digest();
  return prefix + Array.from(digest.subarray(0, 17), (b) => ALNUM[b % 32]).join('');
}

const fail = (where: string, message: string) => new Error(`EMULATOR_IDENTITIES: ${where}: ${message}`);

function policiesOf(raw: unknown, where: string): NamedPolicy[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > MAX_POLICIES)
    throw fail(where, `must be a list of at most ${MAX_POLICIES} {name, document} entries`);
  const names = new Set<string>();
  return raw.map((p: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof p !== 'object' || p === null) throw fail(at, 'must be an object {name, document}');
    const { name, document, ...rest } = p as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw fail(at, `unknown field ${Object.keys(rest)[0]}`);
    if (typeof name !== 'string' || !/^[\w+=,.@-]{1,128}$/.test(name))
      throw fail(`${at}.name`, 'must be a policy name');
    if (names.has(name)) throw fail(`${at}.name`, `duplicate policy name ${name}`);
    names.add(name);
    return { name, policy: compileAt(document, 'identity', `${at}.document`) };
  });
}

function compileAt(doc: unknown, kind: 'identity' | 'resource', where: string) {
  if (doc === undefined) throw fail(where, 'is required');
  try {
    return compilePolicy(doc, kind);
  } catch (err) {
    if (err instanceof PolicyError) throw fail(where, err.message);
    throw err;
  }
}

/** The principals of the emulator (see the file's comment); immutable after construction. */
export class IdentityDirectory {
  private readonly declared = new Map<string, Declared>();
  private readonly cache = new Map<string, Principal | null>();

  private constructor() {}

  /** No declared users or roles: every principal has unconfigured identity policies. */
  static empty(): IdentityDirectory {
    return new IdentityDirectory();
  }

  /**
   * Validates an identities document strictly.
   *
   * @throws Error `EMULATOR_IDENTITIES: <where>: <what>` naming the entry at fault
   */
  static parse(doc: unknown): IdentityDirectory {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw fail('(file)', 'must be a JSON object with "users" and/or "roles"');
    const { users = [], roles = [], ...rest } = doc as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw fail('(file)', `unknown field ${Object.keys(rest)[0]}`);
    const dir = new IdentityDirectory();
    for (const [kind, list] of [
      ['user', users],
      ['role', roles],
    ] as const) {
      if (!Array.isArray(list) || list.length > 10_000) throw fail(`${kind}s`, 'must be a list (at most 10 000)');
      list.forEach((raw: unknown, i) => {
        const where = `${kind}s[${i}]`;
        if (typeof raw !== 'object' || raw === null) throw fail(where, 'must be an object');
        const { account, name, policies, trustPolicy, ...extra } = raw as Record<string, unknown>;
        if (Object.keys(extra).length > 0) throw fail(where, `unknown field ${Object.keys(extra)[0]}`);
        if (typeof account !== 'string' || !ACCOUNT.test(account)) throw fail(`${where}.account`, 'must be 12 digits');
        if (typeof name !== 'string' || !NAME.test(name))
          throw fail(`${where}.name`, 'must be 1-64 characters of [A-Za-z0-9+=,.@_-]');
        if (kind === 'user' && trustPolicy !== undefined) throw fail(where, 'users have no trustPolicy');
        const key = `${account}:${kind}/${name}`;
        if (dir.declared.has(key)) throw fail(`${where}.name`, `duplicate ${kind} ${name} in account ${account}`);
        dir.declared.set(key, {
          kind,
          accountId: account,
          name,
          policies: policiesOf(policies, `${where}.policies`),
          ...(kind === 'role'
            ? { trust: { name: 'trust policy', policy: compileAt(trustPolicy, 'resource', `${where}.trustPolicy`) } }
            : {}),
        });
      });
    }
    return dir;
  }

  /** Reads and validates an identities file. @throws Error naming the file or the entry at fault */
  static async load(path: string): Promise<IdentityDirectory> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw fail(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw fail(path, 'is not valid JSON');
    }
    return IdentityDirectory.parse(doc);
  }

  /** True when `kind/name` of `accountId` is declared. */
  has(accountId: string, kind: 'user' | 'role', name: string): boolean {
    return this.declared.has(`${accountId}:${kind}/${name}`);
  }

  /** A declared role's trust policy, or undefined for an undeclared role. */
  trustPolicyOf(accountId: string, roleName: string): NamedPolicy | undefined {
    return this.declared.get(`${accountId}:role/${roleName}`)?.trust;
  }

  /** The principal an ARN names, or undefined when it is not a principal ARN. */
  principal(arn: string): Principal | undefined {
    let p = this.cache.get(arn);
    if (p === undefined) {
      p = this.build(arn) ?? null;
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(arn, p);
    }
    return p ?? undefined;
  }

  private build(arn: string): Principal | undefined {
    const m = PRINCIPAL.exec(arn);
    if (!m) return undefined;
    const [, partition, service, accountId, , user, role, sessionRole, session] = m;
    const account = accountId!;
    if (service === 'iam' && arn.endsWith(':root'))
      return { arn, accountId: account, isRoot: true, type: 'Account', userId: account, identityPolicies: undefined };
    if (service === 'iam' && user !== undefined) {
      return {
        arn,
        accountId: account,
        isRoot: false,
        type: 'User',
        userId: uniqueIdOf('AIDA', `${account}:user/${user}`),
        username: user,
        identityPolicies: this.declared.get(`${account}:user/${user}`)?.policies,
      };
    }
    const roleName = service === 'iam' ? role : sessionRole;
    if (roleName === undefined) return undefined;
    const roleId = uniqueIdOf('AROA', `${account}:role/${roleName}`);
    return {
      arn,
      accountId: account,
      isRoot: false,
      type: service === 'iam' ? 'Role' : 'AssumedRole',
      roleArn: `arn:${partition}:iam::${account}:role/${roleName}`,
      userId: session === undefined ? roleId : `${roleId}:${session}`,
      identityPolicies: this.declared.get(`${account}:role/${roleName}`)?.policies,
    };
  }
}

/** `user/NAME` or `role/NAME`: the fourth field of an EMULATOR_CREDENTIALS entry. */
const CREDENTIAL_PRINCIPAL = /^(user|role)\/([\w+=,.@-]{1,64})$/;

/**
 * The ARN a long-term credential acts as: the account root, an IAM user, or (`role/NAME`)
 * a session of that role named after the access key.
 */
export function credentialPrincipalArn(
  partition: string,
  accessKeyId: string,
  entry: { accountId: string; principal?: string },
): string {
  const m = entry.principal === undefined ? null : CREDENTIAL_PRINCIPAL.exec(entry.principal);
  if (!m) return `arn:${partition}:iam::${entry.accountId}:root`;
  if (m[1] === 'user') return `arn:${partition}:iam::${entry.accountId}:user/${m[2]}`;
  return `arn:${partition}:sts::${entry.accountId}:assumed-role/${m[2]}/${accessKeyId.slice(0, 64)}`;
}

/**
 * With an identities file, every credential's user or role must be declared in it.
 *
 * @throws Error naming the EMULATOR_CREDENTIALS entry
 */
export function checkCredentialPrincipals(
  dir: IdentityDirectory,
  credentials: Readonly<Record<string, { accountId: string; principal?: string }>>,
): void {
  for (const [akid, c] of Object.entries(credentials)) {
    if (c.principal === undefined) continue;
    const m = CREDENTIAL_PRINCIPAL.exec(c.principal);
    if (!m) throw new Error(`EMULATOR_CREDENTIALS: entry ${akid}: principal must be user/NAME or role/NAME`);
    if (!dir.has(c.accountId, m[1] as 'user' | 'role', m[2]!))
      throw new Error(
        `EMULATOR_CREDENTIALS: entry ${akid}: ${c.principal} is not declared in account ${c.accountId} of EMULATOR_IDENTITIES`,
      );
  }
}
