import { compileConditions, PolicyError, type CompiledCondition } from './conditions.js';
import { wildcardMatch } from './wildcard.js';

/**
 * IAM policy documents (key policies, trust policies, identity policies) parsed and
 * compiled once into matchers: action and resource patterns split into an exact set and
 * wildcard patterns, principals into sets of ARNs and accounts, conditions into closures.
 *
 * Pure: imports nothing from src.
 */

/** Which kind of policy: resource policies need a principal, identity policies must not have one. */
export type PolicyKind = 'resource' | 'identity';

/**
 * Longest Action / Resource pattern accepted by default: keeps wildcard matching cheap
 * (see wildcard.ts); callers validating new policies pass a tighter `maxActionLength`.
 */
const MAX_PATTERN_LENGTH = 16_384;

/** A set of Action or Resource patterns: exact names in a set, wildcards tested one by one. */
interface PatternSet {
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  /** `prefix*` patterns (the usual `kms:Get*`), tested with startsWith. */
  readonly prefixes: readonly string[];
  /** Any other wildcard pattern. */
  readonly patterns: readonly string[];
  readonly ignoreCase: boolean;
}

/** The AWS principals a statement names (other principal types never match an emulator caller). */
export interface PrincipalSet {
  readonly any: boolean;
  /** Exact principal ARNs (users, roles, assumed-role sessions). */
  readonly arns: ReadonlySet<string>;
  /** Accounts named by `123456789012` or `arn:aws:iam::123456789012:root`. */
  readonly accounts: ReadonlySet<string>;
}

export interface CompiledStatement {
  /** Position in the policy, from 0. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Resource policies: Principal, or NotPrincipal with `notPrincipal` set. */
  readonly principals: PrincipalSet | undefined;
  readonly notPrincipal: boolean;
  readonly actions: PatternSet;
  readonly notAction: boolean;
  readonly resources: PatternSet;
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  readonly kind: PolicyKind;
  readonly statements: readonly CompiledStatement[];
}

/** The caller as a resource policy's Principal element sees it. */
export interface RequestPrincipal {
  readonly arn: string;
  readonly accountId: string;
  /** An assumed-role session's role ARN: a statement naming the role names its sessions. */
  readonly roleArn?: string;
  /** The account root itself (named directly by its account). */
  readonly isRoot: boolean;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const ROOT = /^arn:[a-z-]+:iam::(\d{12}):root$/;
const ACCOUNT = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:[a-z-]+:(iam|sts)::\d{12}:[\x21-\x7e]+$/;

function patternSet(raw: unknown, where: string, opts: { ignoreCase: boolean; maxLength: number }): PatternSet {
  const list = asList(raw);
  if (list.length === 0) throw new PolicyError(`${where}: must name at least one entry.`);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const patterns: string[] = [];
  let any = false;
  for (const item of list) {
    if (typeof item !== 'string' || item.length === 0) throw new PolicyError(`${where}: entries must be strings.`);
    if (item.length > opts.maxLength) throw new PolicyError(`${where}: "${item.slice(0, 40)}..." is too long.`);
    const p = opts.ignoreCase ? item.toLowerCase() : item;
    const star = p.indexOf('*');
    if (p === '*') any = true;
    else if (star === p.length - 1 && !p.includes('?')) prefixes.push(p.slice(0, -1));
    else if (star >= 0 || p.includes('?')) patterns.push(p);
    else exact.add(p);
  }
  return { any, exact, prefixes, patterns, ignoreCase: opts.ignoreCase };
}

/** The last value lower-cased: one request tests the same action against every statement. */
let lastValue = '';
let lastLower = '';
function lower(value: string): string {
  if (value !== lastValue) {
    lastValue = value;
    lastLower = value.toLowerCase();
  }
  return lastLower;
}

function patternMatches(set: PatternSet, value: string): boolean {
  if (set.any) return true;
  const v = set.ignoreCase ? lower(value) : value;
  if (set.exact.has(v)) return true;
  for (const p of set.prefixes) if (v.startsWith(p)) return true;
  for (const p of set.patterns) if (wildcardMatch(p, v)) return true;
  return false;
}

function principalSet(raw: unknown, where: string): PrincipalSet {
  if (raw === '*') return { any: true, arns: new Set(), accounts: new Set() };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PolicyError(`${where}: must be "*" or an object such as {"AWS": [...]}.`);
  const arns = new Set<string>();
  const accounts = new Set<string>();
  let any = false;
  let named = 0;
  for (const [type, values] of Object.entries(raw)) {
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type))
      throw new PolicyError(`${where}: unknown principal type "${type}".`);
    for (const v of asList(values)) {
      named++;
      if (typeof v !== 'string' || v.length === 0 || v.length > 2048)
        throw new PolicyError(`${where}.${type}: principals must be non-empty strings.`);
      if (type !== 'AWS') continue;
      if (v === '*') any = true;
      else if (ACCOUNT.test(v)) accounts.add(v);
      else if (ROOT.test(v)) accounts.add(ROOT.exec(v)![1]!);
      else if (PRINCIPAL_ARN.test(v)) arns.add(v);
      else throw new PolicyError(`${where}.AWS: "${v}" is not a valid principal.`);
    }
  }
  if (named === 0) throw new PolicyError(`${where}: names no principal.`);
  return { any, arns, accounts };
}

function compileStatement(raw: unknown, index: number, kind: PolicyKind, maxAction: number): CompiledStatement {
  const where = `Statement[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PolicyError(`${where}: must be an object.`);
  const st = raw as Record<string, unknown>;
  for (const k of Object.keys(st)) if (!STATEMENT_KEYS.has(k)) throw new PolicyError(`${where}: unknown element ${k}.`);
  if (st.Sid !== undefined && typeof st.Sid !== 'string') throw new PolicyError(`${where}.Sid: must be a string.`);
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new PolicyError(`${where}.Effect: must be Allow or Deny.`);
  const pair = (a: string, b: string) => {
    if (st[a] !== undefined && st[b] !== undefined) throw new PolicyError(`${where}: has both ${a} and ${b}.`);
    return st[b] !== undefined;
  };
  const notPrincipal = pair('Principal', 'NotPrincipal');
  const hasPrincipal = st.Principal !== undefined || st.NotPrincipal !== undefined;
  if (kind === 'resource' && !hasPrincipal) throw new PolicyError(`${where}: has no principal.`);
  if (kind === 'identity' && hasPrincipal)
    throw new PolicyError(`${where}: an identity policy cannot have a Principal.`);
  const notAction = pair('Action', 'NotAction');
  if (st.Action === undefined && st.NotAction === undefined) throw new PolicyError(`${where}: has no action.`);
  const notResource = pair('Resource', 'NotResource');
  const actionWhere = `${where}.${notAction ? 'NotAction' : 'Action'}`;
  const resourceWhere = `${where}.${notResource ? 'NotResource' : 'Resource'}`;
  const resourceRaw = notResource ? st.NotResource : (st.Resource ?? '*');
  return {
    index,
    sid: st.Sid as string | undefined,
    effect: st.Effect,
    principals: hasPrincipal
      ? principalSet(
          notPrincipal ? st.NotPrincipal : st.Principal,
          `${where}.${notPrincipal ? 'NotPrincipal' : 'Principal'}`,
        )
      : undefined,
    notPrincipal,
    actions: patternSet(notAction ? st.NotAction : st.Action, actionWhere, {
      ignoreCase: true,
      maxLength: maxAction,
    }),
    notAction,
    resources: patternSet(resourceRaw, resourceWhere, { ignoreCase: false, maxLength: MAX_PATTERN_LENGTH }),
    notResource,
    conditions: compileConditions(st.Condition, `${where}.Condition`),
  };
}

/**
 * Parses and compiles a policy (JSON text or an already parsed document).
 *
 * @throws PolicyError saying what is wrong and where
 */
export function compilePolicy(
  policy: string | unknown,
  kind: PolicyKind,
  opts: { maxActionLength?: number } = {},
): CompiledPolicy {
  let doc: unknown = policy;
  if (typeof policy === 'string') {
    try {
      doc = JSON.parse(policy);
    } catch {
      throw new PolicyError('The policy is not valid JSON.');
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new PolicyError('The policy must be a JSON object.');
  const d = doc as Record<string, unknown>;
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17')
    throw new PolicyError('Version must be 2012-10-17 or 2008-10-17.');
  const raw = asList(d.Statement);
  if (raw.length === 0) throw new PolicyError('The policy must contain at least one Statement.');
  const maxAction = opts.maxActionLength ?? MAX_PATTERN_LENGTH;
  return { kind, statements: raw.map((s, i) => compileStatement(s, i, kind, maxAction)) };
}

/** How a statement's Principal element names the caller: itself (or everyone), or its account (delegation to IAM). */
export type PrincipalMatch = 'direct' | 'account';

/** How `set` names `p`, or undefined when it does not. */
export function matchPrincipal(set: PrincipalSet, p: RequestPrincipal): PrincipalMatch | undefined {
  if (set.any || set.arns.has(p.arn) || (p.roleArn !== undefined && set.arns.has(p.roleArn))) return 'direct';
  if (set.accounts.has(p.accountId)) return p.isRoot ? 'direct' : 'account';
  return undefined;
}

/** Whether a statement applies to the action and resource (principal and conditions aside). */
export function statementCovers(st: CompiledStatement, action: string, resource: string): boolean {
  if (patternMatches(st.actions, action) === st.notAction) return false;
  return patternMatches(st.resources, resource) !== st.notResource;
}

/** Human name of a statement for explanations: `"Sid" (#2)` or `#2`. */
export function statementLabel(st: CompiledStatement): string {
  return st.sid ? `"${st.sid}" (#${st.index + 1})` : `#${st.index + 1}`;
}
