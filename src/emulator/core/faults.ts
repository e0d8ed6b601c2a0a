import { awsError } from '../../errors/index.js';
import { KMS_OPERATIONS } from '../../providers/kms-provider.js';

/**
 * Fault injection for client tests: makes chosen operations throttle, fail with a
 * server error, or answer late. Rules are checked in order on every call, before the
 * operation runs (so a failed call has no effect):
 *
 * - `{ operation: 'Encrypt', kind: 'throttle' }` → ThrottlingException (HTTP 400);
 * - `{ operation: '*', kind: 'error', rate: 0.1 }` → KMSInternalException (HTTP 500) on ~10 % of calls;
 *   `error: 'DependencyTimeoutException'` gives HTTP 503 instead;
 * - `{ operation: 'CreateKey', kind: 'latency', latencyMs: 200, count: 3 }` → the next 3 CreateKey
 *   calls wait 200 ms first.
 *
 * `rate` (0..1, default 1) is the probability that a matching call is hit; `count` (default
 * unlimited) is how many hits the rule has before it is spent. Latency rules combine with
 * a later throttle or error rule; the first throttle or error rule that hits wins.
 */
export interface FaultRule {
  /** A KMS operation name, or `*` for every operation. */
  operation: string;
  kind: 'throttle' | 'error' | 'latency';
  /** For `error`: the server fault to answer with (default KMSInternalException). */
  error?: 'KMSInternalException' | 'DependencyTimeoutException';
  rate?: number;
  count?: number;
  /** For `latency`: the delay in ms (0..60 000). */
  latencyMs?: number;
}

const OPS = new Set<string>(KMS_OPERATIONS);
const KINDS = new Set(['throttle', 'error', 'latency']);
const ERRORS = new Set(['KMSInternalException', 'DependencyTimeoutException']);

/** Checks and copies rules; throws TypeError with a readable reason for an invalid one. */
export function parseFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new TypeError('faults must be an array of rules');
  return value.map((r: unknown, i) => {
    const rule = (r ?? {}) as Partial<FaultRule>;
    const bad = (why: string) => new TypeError(`fault rule ${i}: ${why}`);
    if (typeof rule.operation !== 'string' || (rule.operation !== '*' && !OPS.has(rule.operation)))
      throw bad('operation must be a KMS operation name or "*"');
    if (!KINDS.has(rule.kind as string)) throw bad('kind must be throttle, error or latency');
    if (rule.error !== undefined && (rule.kind !== 'error' || !ERRORS.has(rule.error)))
      throw bad('error must be KMSInternalException or DependencyTimeoutException, with kind error');
    if (rule.rate !== undefined && !(typeof rule.rate === 'number' && rule.rate >= 0 && rule.rate <= 1))
      throw bad('rate must be a number from 0 to 1');
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0))
      throw bad('count must be a positive integer');
    const latencyOk = typeof rule.latencyMs === 'number' && rule.latencyMs >= 0 && rule.latencyMs <= 60_000;
    if (rule.kind === 'latency' ? !latencyOk : rule.latencyMs !== undefined)
      throw bad('latencyMs (0..60000) is required for latency rules and only valid there');
    const out: FaultRule = { operation: rule.operation, kind: rule.kind! };
    for (const k of ['error', 'rate', 'count', 'latencyMs'] as const)
      if (rule[k] !== undefined) Object.assign(out, { [k]: rule[k] });
    return out;
  });
}

/** The active rules and what they do to a call. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  /** Replaces the rules. @throws TypeError for an invalid rule (nothing changes then) */
  set(rules: unknown): void {
    this.rules = parseFaultRules(rules);
  }

  /** The rules still active (spent `count` rules are gone). */
  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * Applies the rules to one call of `op`: waits for latency rules, then throws for the
   * first throttle or error rule that hits.
   *
   * @throws ThrottlingException | KMSInternalException | DependencyTimeoutException
   */
  async apply(op: string, random: () => number = Math.random): Promise<void> {
    let delay = 0;
    let failure: Error | undefined;
    for (const rule of this.rules) {
      if ((rule.operation !== '*' && rule.operation !== op) || (rule.kind !== 'latency' && failure)) continue;
      if (rule.rate !== undefined && random() >= rule.rate) continue;
      if (rule.count !== undefined) rule.count--;
      if (rule.kind === 'latency') delay += rule.latencyMs ?? 0;
      else
        failure =
          rule.kind === 'throttle'
            ? awsError('ThrottlingException', 'Rate exceeded')
            : serverError(rule.error ?? 'KMSInternalException');
    }
    this.rules = this.rules.filter((r) => r.count === undefined || r.count > 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (failure) throw failure;
  }
}

function serverError(name: string): Error {
  return name === 'DependencyTimeoutException'
    ? awsError(
        'DependencyTimeoutException',
        'The system timed out while trying to fulfill the request. You can retry the request.',
      )
    : awsError(
        'KMSInternalException',
        'The request was rejected because an internal exception occurred. The request can be retried.',
      );
}
