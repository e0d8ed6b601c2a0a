import type { PolicyTemplateRecord } from '../common/records.js';
import { buildKeyPolicy, type PolicyContext, type PolicyDocument } from './key-policy.js';

/**
 * Policy-template drift: a key linked to a template (`cckm_policy_template_id`) whose policy
 * in AWS no longer says what the template says, usually because someone ran PutKeyPolicy
 * outside opencckm. Policies are compared by meaning, the way IAM reads them (and the way
 * the original product's Terraform provider does, reference/cckm-api.md §4.4), not as text:
 *
 * - a policy given as a JSON string is parsed; whitespace and key order do not matter;
 * - a single value equals a one-element array (`"Action": "kms:*"` ≡ `["kms:*"]`), and the
 *   order of list values and of statements does not matter, nor do repeated values;
 * - scalars compare as text (`true` ≡ `"true"` in a Condition, as IAM reads them);
 * - `"Principal": "*"` ≡ `{"AWS": "*"}`, and an account's root ARN ≡ its bare account id
 *   (AWS stores account ids given in a policy as root ARNs).
 */

/** Canonical JSON text of a normalised value: object keys sorted, sets sorted. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const ROOT_ARN = /^arn:[a-z-]+:iam::(\d{12}):root$/;

/** A normalised value: sets for lists (one element → the element itself), text for scalars. */
function normalise(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) {
    const items = [...new Map(value.map((v) => normalise(v, path)).map((v) => [canonical(v), v])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v);
    return items.length === 1 ? items[0] : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = normalise((k === 'Principal' || k === 'NotPrincipal') && v === '*' ? { AWS: '*' } : v, [...path, k]);
    }
    return out;
  }
  if (typeof value === 'string') {
    // Principal.AWS (or NotPrincipal.AWS): a root ARN names the account itself.
    const parent = path[path.length - 2];
    if (path[path.length - 1] === 'AWS' && (parent === 'Principal' || parent === 'NotPrincipal')) {
      const m = ROOT_ARN.exec(value);
      if (m) return m[1];
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** Parses a policy given as text; text that is not JSON is kept as text (and then compared as such). */
function parsed(policy: unknown): unknown {
  if (typeof policy !== 'string') return policy;
  try {
    return JSON.parse(policy) as unknown;
  } catch {
    return policy;
  }
}

/** The canonical form of a key policy, for comparisons and tests. */
export function canonicalPolicy(policy: unknown): string {
  return canonical(normalise(parsed(policy), []));
}

/**
 * True when `actualPolicy` (as read from AWS: a JSON string or an object) does not mean the
 * same as `templatePolicy`. A key with no readable policy (`undefined`/`null`) has drifted
 * from any template.
 */
export function policyDrift(templatePolicy: unknown, actualPolicy: unknown): boolean {
  if (actualPolicy === undefined || actualPolicy === null) return true;
  return canonicalPolicy(templatePolicy) !== canonicalPolicy(actualPolicy);
}

/**
 * The policy a template gives one key: its literal policy, or the policy its principal
 * lists build for the key's account, partition, usage and spec.
 */
export function templatePolicyFor(template: PolicyTemplateRecord, ctx: PolicyContext): PolicyDocument {
  return template.policy ? (template.policy as PolicyDocument) : buildKeyPolicy(ctx, template);
}

/** The record columns of a drift check. */
export interface PolicyDriftColumns {
  policyDrift: boolean;
  policyDriftCheckedAt: Date | null;
}

/**
 * The drift columns of a key after its policy was read from AWS: not drifted (and not
 * checked) without a template; otherwise whether the policy still matches the template.
 */
export function driftColumns(
  template: PolicyTemplateRecord | null | undefined,
  ctx: PolicyContext,
  actualPolicy: unknown,
  now = new Date(),
): PolicyDriftColumns {
  if (!template) return { policyDrift: false, policyDriftCheckedAt: null };
  return { policyDrift: policyDrift(templatePolicyFor(template, ctx), actualPolicy), policyDriftCheckedAt: now };
}
