import type { ReportKey } from '../../../../src/cckm/reports/report-types.js';

/** Report key number `i`: an enabled symmetric AWS_KMS key in us-east-1, with overrides. */
export function reportKey(i: number, o: Partial<ReportKey> = {}): ReportKey {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    kmsId: 'kms-1',
    region: 'us-east-1',
    kmsKeyId: `key-${i}`,
    arn: `arn:aws:kms:us-east-1:111122223333:key/key-${i}`,
    aliases: [],
    description: null,
    keyState: 'Enabled',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    customKeyStoreId: null,
    policyTemplateId: null,
    policyDrift: false,
    rotationJobEnabled: false,
    rotatedAt: null,
    keyRotationEnabled: false,
    rotationPeriodInDays: null,
    nextRotationDate: null,
    validTo: null,
    deletionDate: null,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    cursorAt: String(i).padStart(8, '0'),
    ...o,
  };
}
