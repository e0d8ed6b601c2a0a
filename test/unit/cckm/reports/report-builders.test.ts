import { ageBucket, KeyAgingBuilder } from '../../../../src/cckm/reports/key-aging-builder.js';
import { KeyReportBuilder } from '../../../../src/cckm/reports/key-report-builder.js';
import { KeyUsageBuilder } from '../../../../src/cckm/reports/key-usage-builder.js';
import { createReportBuilder } from '../../../../src/cckm/reports/report-builder.js';
import { rotationMode } from '../../../../src/cckm/reports/report-cells.js';
import type { ReportKey, ReportKms } from '../../../../src/cckm/reports/report-types.js';
import { MAX_DISTINCT, Tally } from '../../../../src/cckm/reports/tally.js';
import { reportKey } from './report-key.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const KMS: ReportKms = { name: 'prod', awsAccountId: '111122223333' };

let seq = 0;
/** A symmetric AWS_KMS key created 10 days ago, with overrides. */
function aKey(o: Partial<ReportKey> = {}): ReportKey {
  seq++;
  return reportKey(seq, { createdAt: daysAgo(10), cursorAt: '2026-11-21 00:00:00.000001+00', ...o });
}

describe('key-report builder', () => {
  it('counts the inventory per dimension and emits one row per key', () => {
    const b = new KeyReportBuilder();
    const rows = [
      b.add(aKey({ keyRotationEnabled: true, aliases: ['alias/a', 'alias/b'] }), KMS),
      b.add(aKey({ region: 'eu-west-1', keyState: 'Disabled', policyTemplateId: 't', policyDrift: true }), KMS),
      b.add(aKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', policyTemplateId: 't' }), KMS),
      b.add(aKey({ origin: 'EXTERNAL_KEY_STORE', customKeyStoreId: 'cks-1', rotationJobEnabled: true }), {
        name: 'dev',
        awsAccountId: '444455556666',
      }),
    ];
    expect(b.summary()).toEqual({
      total: 4,
      by_account: { 'prod (111122223333)': 3, 'dev (444455556666)': 1 },
      by_region: { 'us-east-1': 3, 'eu-west-1': 1 },
      by_state: { Enabled: 3, Disabled: 1 },
      by_spec: { SYMMETRIC_DEFAULT: 3, RSA_2048: 1 },
      by_origin: { AWS_KMS: 3, EXTERNAL_KEY_STORE: 1 },
      by_rotation: { automatic: 1, disabled: 1, not_applicable: 1, scheduled: 1 },
      by_drift: { no_template: 2, drift: 1, in_sync: 1 },
      by_custom_key_store: { '(none)': 3, 'cks-1': 1 },
    });
    expect(rows[0]).toMatchObject({ alias: 'alias/a;alias/b', rotation: 'automatic', kms: 'prod' });
    expect(Object.keys(rows[0]!)).toEqual([...b.columns]);
    expect(rows[1]).toMatchObject({ policy_drift: true, key_state: 'Disabled', region: 'eu-west-1' });
  });

  it('rotation mode: only symmetric AWS_KMS keys outside custom key stores can be merely disabled', () => {
    expect(rotationMode(aKey())).toBe('disabled');
    expect(rotationMode(aKey({ origin: 'EXTERNAL' }))).toBe('not_applicable');
    expect(rotationMode(aKey({ origin: 'EXTERNAL', rotationJobEnabled: true }))).toBe('scheduled');
    expect(rotationMode(aKey({ customKeyStoreId: 'cks' }))).toBe('not_applicable');
    expect(rotationMode(aKey({ keySpec: 'HMAC_256' }))).toBe('not_applicable');
  });
});

describe('key-aging builder', () => {
  it('puts keys in age buckets at their boundaries', () => {
    expect([0, 30, 31, 90, 91, 180, 181, 365, 366, 730, 731].map(ageBucket)).toEqual([
      '0-30d',
      '0-30d',
      '31-90d',
      '31-90d',
      '91-180d',
      '91-180d',
      '181-365d',
      '181-365d',
      '1-2y',
      '1-2y',
      'over-2y',
    ]);
  });

  it('finds overdue rotation, expiring and expired material, and pending deletions', () => {
    const b = new KeyAgingBuilder(NOW, 30);
    const overdueAutomatic = b.add(aKey({ keyRotationEnabled: true, nextRotationDate: daysAgo(1) }), KMS);
    b.add(aKey({ keyRotationEnabled: true, nextRotationDate: daysAgo(-5), createdAt: daysAgo(800) }), KMS);
    const neverRotated = b.add(aKey({ createdAt: daysAgo(400) }), KMS);
    b.add(aKey({ createdAt: daysAgo(400), rotatedAt: daysAgo(100) }), KMS);
    b.add(aKey({ origin: 'EXTERNAL', validTo: daysAgo(-10), createdAt: daysAgo(40) }), KMS);
    const expired = b.add(aKey({ origin: 'EXTERNAL', validTo: daysAgo(2) }), KMS);
    b.add(aKey({ origin: 'EXTERNAL', validTo: daysAgo(-60) }), KMS);
    b.add(aKey({ origin: 'EXTERNAL' }), KMS);
    b.add(aKey({ keyState: 'PendingDeletion', deletionDate: daysAgo(-3) }), KMS);
    b.add(aKey({ keyState: 'PendingDeletion', deletionDate: daysAgo(-20), keySpec: 'RSA_4096' }), KMS);
    const s = b.summary();
    expect(s).toEqual({
      total: 10,
      age_buckets: { '0-30d': 6, '31-90d': 1, '91-180d': 0, '181-365d': 0, '1-2y': 2, 'over-2y': 1 },
      rotation_overdue: 2,
      imported_material: { imported: 4, expired: 1, expiring: 1, valid: 1, no_expiry: 1, expiring_days: 30 },
      pending_deletion: { total: 2, within_7_days: 1 },
      oldest_key: expect.objectContaining({ age_days: 800 }),
    });
    expect(overdueAutomatic).toMatchObject({ rotation_overdue: true, rotation: 'automatic', age_days: 10 });
    expect(neverRotated).toMatchObject({ rotation_overdue: true, rotation: 'disabled', age_bucket: '1-2y' });
    expect(expired).toMatchObject({ material_expiry: 'expired', rotation_overdue: false });
  });
});

describe('key-usage builder', () => {
  it('separates active keys, retirement candidates, never-used keys and keys AWS could not answer for', () => {
    const b = new KeyUsageBuilder(NOW, 90);
    const active = b.add(aKey(), KMS, {
      lastUsedAt: daysAgo(5),
      operation: 'Encrypt',
      trackingStartedAt: daysAgo(400),
    });
    const stale = b.add(aKey({ createdAt: daysAgo(500) }), KMS, {
      lastUsedAt: daysAgo(120),
      operation: 'Decrypt',
      trackingStartedAt: daysAgo(400),
    });
    // Never used, but tracked only for 30 days: not yet a candidate.
    const young = b.add(aKey({ createdAt: daysAgo(30) }), KMS, {
      lastUsedAt: null,
      operation: null,
      trackingStartedAt: daysAgo(400),
    });
    const neverOld = b.add(aKey({ createdAt: daysAgo(200) }), KMS, {
      lastUsedAt: null,
      operation: null,
      trackingStartedAt: daysAgo(100),
    });
    const unknown = b.add(aKey(), KMS, {
      lastUsedAt: null,
      operation: null,
      trackingStartedAt: null,
      unavailable: 'UnsupportedOperationException: not in this Region',
    });
    expect(b.summary()).toEqual({
      total: 5,
      unused_days: 90,
      retirement_candidates: 2,
      active: 2,
      never_used: 2,
      tracking_unavailable: 1,
      by_last_operation: { never: 2, Decrypt: 1, Encrypt: 1 },
    });
    expect(active).toMatchObject({ days_unused: 5, retirement_candidate: false, last_operation: 'Encrypt' });
    expect(stale).toMatchObject({ days_unused: 120, retirement_candidate: true });
    expect(young).toMatchObject({ days_unused: 30, retirement_candidate: false, last_used_at: null });
    expect(neverOld).toMatchObject({ days_unused: 100, retirement_candidate: true });
    expect(unknown).toMatchObject({
      retirement_candidate: false,
      days_unused: null,
      usage_tracking: 'unavailable: UnsupportedOperationException: not in this Region',
    });
  });

  it('the factory applies the default thresholds', () => {
    const usage = createReportBuilder({ report_type: 'key-usage', kms_ids: [] }, NOW);
    expect(usage.summary()).toMatchObject({ unused_days: 90 });
    const aging = createReportBuilder({ report_type: 'key-aging', kms_ids: [] }, NOW);
    expect(aging.summary()).toMatchObject({ imported_material: expect.objectContaining({ expiring_days: 30 }) });
  });
});

describe('Tally', () => {
  it('bounds the distinct values it keeps and counts the rest as (other)', () => {
    const t = new Tally();
    for (let i = 0; i < MAX_DISTINCT + 50; i++) t.add(`v${i}`);
    t.add('v0');
    const counts = t.toJSON();
    expect(Object.keys(counts)).toHaveLength(MAX_DISTINCT + 1);
    expect(counts['(other)']).toBe(50);
    expect(counts.v0).toBe(2);
  });

  it('keeps hostile values as ordinary counts', () => {
    const t = new Tally();
    t.add('__proto__');
    t.add('constructor');
    t.add(null);
    const counts = t.toJSON();
    expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
    expect(Object.entries(counts)).toEqual([
      ['(none)', 1],
      ['__proto__', 1],
      ['constructor', 1],
    ]);
  });
});
