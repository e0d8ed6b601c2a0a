import { BlockList, isIP } from 'node:net';
import { wildcardMatch } from './wildcard.js';

/**
 * The Condition element of IAM policies: operators compiled once per policy version into
 * closures, then evaluated against a request's condition context.
 *
 * Semantics (AWS's documented ones):
 * - several operators in a block, and several keys under one operator, are ANDed; several
 *   values for one key are ORed (negated operators: the value matches none of them);
 * - a key absent from the request fails a positive operator and satisfies a negated one
 *   (`StringNotEquals`, `ArnNotLike`, ...); with `...IfExists` an absent key satisfies any;
 * - `ForAnyValue:` is true when some value of the request's set satisfies the operator
 *   (false for an absent or empty set); `ForAllValues:` when every one does (true for an
 *   absent or empty set);
 * - `Null: true` holds when the key is absent, `Null: false` when it is present;
 * - an unknown operator makes the policy malformed; an unknown key is simply absent.
 * Condition key names are case-insensitive: the context is asked for the lower-cased name.
 *
 * Pure: imports only node:net (for IpAddress) and wildcard.ts.
 */

/** The request's values for a condition key (its lower-cased name), or undefined when absent. */
export type ConditionContext = (key: string) => readonly string[] | undefined;

/** A policy that cannot be compiled; `message` says where, as AWS's MalformedPolicyDocument does. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** One `Operator: { key: values }` pair, compiled. */
export interface CompiledCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLike`. */
  readonly operator: string;
  /** The key as written, e.g. `kms:EncryptionContext:Department`. */
  readonly key: string;
  /** Whether the request satisfies this condition. */
  test(context: ConditionContext): boolean;
}

/** Tests one request value against the compiled policy values (true when any matches). */
type ValueMatcher = (value: string) => boolean;

interface OperatorSpec {
  negated: boolean;
  compile(values: readonly string[], where: string): ValueMatcher;
}

const setOf = (values: readonly string[]): ValueMatcher => {
  if (values.length === 1) {
    const only = values[0]!;
    return (v) => v === only;
  }
  const set = new Set(values);
  return (v) => set.has(v);
};

const string = (negated: boolean): OperatorSpec => ({ negated, compile: setOf });
const stringIgnoreCase = (negated: boolean): OperatorSpec => ({
  negated,
  compile: (values) => {
    const m = setOf(values.map((v) => v.toLowerCase()));
    return (v) => m(v.toLowerCase());
  },
});
const stringLike = (negated: boolean): OperatorSpec => ({
  negated,
  compile: (patterns) => (v) => patterns.some((p) => wildcardMatch(p, v)),
});

function parseNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return undefined;
  return Number(text);
}

function numeric(compare: (a: number, b: number) => boolean, negated = false): OperatorSpec {
  return {
    negated,
    compile: (values, where) => {
      const wanted = values.map((v) => {
        const n = parseNumber(v);
        if (n === undefined) throw new PolicyError(`${where}: "${v}" is not a number.`);
        return n;
      });
      return (v) => {
        const n = parseNumber(v);
        return n !== undefined && wanted.some((w) => compare(n, w));
      };
    },
  };
}

/** ISO 8601 date-time or epoch seconds → epoch ms. */
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function date(compare: (a: number, b: number) => boolean, negated = false): OperatorSpec {
  return {
    negated,
    compile: (values, where) => {
      const wanted = values.map((v) => {
        const ms = parseDate(v);
        if (ms === undefined) throw new PolicyError(`${where}: "${v}" is not a date (ISO 8601 or epoch seconds).`);
        return ms;
      });
      return (v) => {
        const ms = parseDate(v);
        return ms !== undefined && wanted.some((w) => compare(ms, w));
      };
    },
  };
}

const bool: OperatorSpec = {
  negated: false,
  compile: (values, where) => {
    const wanted: string[] = values.map((v) => {
      const b = v.toLowerCase();
      if (b !== 'true' && b !== 'false') throw new PolicyError(`${where}: "${v}" is not true or false.`);
      return b;
    });
    return (v) => wanted.includes(v.toLowerCase());
  },
};

/** ARN patterns match segment by segment (`arn:partition:service:region:account:resource`), wildcards within each. */
function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

const arn = (negated: boolean): OperatorSpec => ({
  negated,
  compile: (patterns) => {
    const split = patterns.map((p) => ({ whole: p, parts: splitArn(p) }));
    return (v) => {
      const parts = splitArn(v);
      return split.some((p) =>
        p.parts && parts ? p.parts.every((seg, i) => wildcardMatch(seg, parts[i]!)) : p.whole === '*' || p.whole === v,
      );
    };
  },
});

function ipAddress(negated: boolean): OperatorSpec {
  return {
    negated,
    compile: (values, where) => {
      const list = new BlockList();
      for (const v of values) {
        const [addr = '', bits] = v.split('/');
        const family = isIP(addr);
        const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
        if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32))
          throw new PolicyError(`${where}: "${v}" is not an IP address or CIDR block.`);
        list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
      }
      return (v) => {
        const family = isIP(v);
        return family !== 0 && list.check(v, family === 6 ? 'ipv6' : 'ipv4');
      };
    },
  };
}

const OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  StringEquals: string(false),
  StringNotEquals: string(true),
  StringEqualsIgnoreCase: stringIgnoreCase(false),
  StringNotEqualsIgnoreCase: stringIgnoreCase(true),
  StringLike: stringLike(false),
  StringNotLike: stringLike(true),
  NumericEquals: numeric((a, b) => a === b),
  NumericNotEquals: numeric((a, b) => a === b, true),
  NumericLessThan: numeric((a, b) => a < b),
  NumericLessThanEquals: numeric((a, b) => a <= b),
  NumericGreaterThan: numeric((a, b) => a > b),
  NumericGreaterThanEquals: numeric((a, b) => a >= b),
  DateEquals: date((a, b) => a === b),
  DateNotEquals: date((a, b) => a === b, true),
  DateLessThan: date((a, b) => a < b),
  DateLessThanEquals: date((a, b) => a <= b),
  DateGreaterThan: date((a, b) => a > b),
  DateGreaterThanEquals: date((a, b) => a >= b),
  Bool: bool,
  BinaryEquals: string(false),
  IpAddress: ipAddress(false),
  NotIpAddress: ipAddress(true),
  ArnEquals: arn(false),
  ArnLike: arn(false),
  ArnNotEquals: arn(true),
  ArnNotLike: arn(true),
};

/** Most values one condition key may list; keeps evaluation bounded. */
const MAX_CONDITION_VALUES = 256;

function valuesOf(raw: unknown, where: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyError(`${where}: needs at least one value.`);
  if (list.length > MAX_CONDITION_VALUES)
    throw new PolicyError(`${where}: lists more than ${MAX_CONDITION_VALUES} values.`);
  return list.map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new PolicyError(`${where}: values must be strings, numbers or booleans.`);
  });
}

function compileOne(operator: string, key: string, raw: unknown, where: string): CompiledCondition {
  const lookup = key.toLowerCase();
  const values = valuesOf(raw, where);
  let rest = operator;
  let set: 'any' | 'all' | undefined;
  if (rest.startsWith('ForAnyValue:')) [set, rest] = ['any', rest.slice('ForAnyValue:'.length)];
  else if (rest.startsWith('ForAllValues:')) [set, rest] = ['all', rest.slice('ForAllValues:'.length)];
  if (rest === 'Null' && set === undefined) {
    const wanted = bool.compile(values, where);
    return {
      operator,
      key,
      test: (ctx) => {
        const v = ctx(lookup);
        return wanted(v === undefined || v.length === 0 ? 'true' : 'false');
      },
    };
  }
  const ifExists = rest.endsWith('IfExists');
  const spec = OPERATORS[ifExists ? rest.slice(0, -'IfExists'.length) : rest];
  if (!spec) throw new PolicyError(`${where}: unknown condition operator "${operator}".`);
  const matches = spec.compile(values, where);
  const { negated } = spec;
  const one = negated ? (v: string) => !matches(v) : matches;
  return {
    operator,
    key,
    test: (ctx) => {
      const v = ctx(lookup);
      const absent = v === undefined || v.length === 0;
      if (set === 'all') return absent || v.every(one);
      if (absent) return ifExists || (set === undefined && negated);
      if (set === 'any') return v.some(one);
      return negated ? v.every(one) : v.some(matches);
    },
  };
}

/**
 * Compiles a statement's Condition element.
 *
 * @throws PolicyError naming `where` for a malformed block or an unknown operator
 */
export function compileConditions(block: unknown, where: string): CompiledCondition[] {
  if (block === undefined) return [];
  if (typeof block !== 'object' || block === null || Array.isArray(block))
    throw new PolicyError(`${where}: Condition must be an object of operators.`);
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
      throw new PolicyError(`${where}.${operator}: must be an object of condition keys.`);
    for (const [key, raw] of Object.entries(keys)) {
      if (key.length === 0 || key.length > 256) throw new PolicyError(`${where}.${operator}: invalid condition key.`);
      out.push(compileOne(operator, key, raw, `${where}.${operator}.${key}`));
    }
  }
  return out;
}

/** The first condition the request does not satisfy, or undefined when all hold. */
export function failedCondition(
  conditions: readonly CompiledCondition[],
  context: ConditionContext,
): CompiledCondition | undefined {
  for (const c of conditions) if (!c.test(context)) return c;
  return undefined;
}
