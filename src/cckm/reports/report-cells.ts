import type { Cell, ReportKey, ReportKms } from './report-types.js';

export const DAY_MS = 86_400_000;

/** AWS's default automatic rotation period, used when a key's record has none. */
export const DEFAULT_ROTATION_DAYS = 365;

/**
 * How a key rotates: `automatic` (AWS rotation enabled), `scheduled` (attached to an
 * opencckm rotation job), `disabled` (could rotate, does not), `not_applicable` (AWS cannot
 * rotate it: asymmetric, HMAC, imported or custom key store keys, unless a job is attached).
 */
export type RotationMode = 'automatic' | 'scheduled' | 'disabled' | 'not_applicable';

export function rotationMode(k: ReportKey): RotationMode {
  if (k.keyRotationEnabled) return 'automatic';
  if (k.rotationJobEnabled) return 'scheduled';
  const rotatable = k.keySpec === 'SYMMETRIC_DEFAULT' && k.origin === 'AWS_KMS' && !k.customKeyStoreId;
  return rotatable ? 'disabled' : 'not_applicable';
}

/** `drift`, `in_sync` (the policy matches its template) or `no_template`. */
export function driftOf(k: ReportKey): 'drift' | 'in_sync' | 'no_template' {
  if (k.policyDrift) return 'drift';
  return k.policyTemplateId ? 'in_sync' : 'no_template';
}

/** RFC 3339 in whole seconds, as the API shows AWS times; null stays null. */
export function isoTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** Whole days from `from` to `to` (never negative). */
export function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}

/** The columns every report type starts with: which key, where. */
export const KEY_COLUMNS = ['key_id', 'kms', 'aws_account_id', 'region', 'kms_key_id', 'alias'] as const;

export function keyCells(k: ReportKey, kms: ReportKms): Record<(typeof KEY_COLUMNS)[number], Cell> {
  return {
    key_id: k.id,
    kms: kms.name,
    aws_account_id: kms.awsAccountId,
    region: k.region,
    kms_key_id: k.kmsKeyId,
    alias: k.aliases.join(';'),
  };
}
