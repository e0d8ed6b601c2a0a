import type { KeyState } from '@aws-sdk/client-kms';
import { assertKeyUsable } from '../../../../src/emulator/model/key-state.js';
import type { KeyDoc } from '../../../../src/emulator/model/key-record.js';
import type { KmsOperationName } from '../../../../src/providers/kms-provider.js';

const aKey = (keyState: KeyState): KeyDoc => ({
  keyId: 'k',
  accountId: '111122223333',
  region: 'us-east-1',
  arn: 'arn:aws:kms:us-east-1:111122223333:key/k',
  creationDate: '2025-01-01T00:00:00.000Z',
  description: '',
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  origin: 'AWS_KMS',
  keyState,
  policy: '{}',
  tags: [],
  multiRegion: false,
  rotationEnabled: false,
  materials: [],
});

const outcome = (op: KmsOperationName, state: KeyState): string => {
  try {
    assertKeyUsable(aKey(state), op);
    return 'ok';
  } catch (err) {
    return (err as { awsName: string }).awsName;
  }
};

// Rows follow AWS's key-state table: Enabled | Disabled | PendingImport | PendingDeletion.
test.each([
  ['Encrypt', 'ok', 'DisabledException', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['Sign', 'ok', 'DisabledException', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['GenerateMac', 'ok', 'DisabledException', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['DescribeKey', 'ok', 'ok', 'ok', 'ok'],
  ['GetKeyPolicy', 'ok', 'ok', 'ok', 'ok'],
  ['PutKeyPolicy', 'ok', 'ok', 'ok', 'ok'],
  ['DeleteAlias', 'ok', 'ok', 'ok', 'ok'],
  ['ListResourceTags', 'ok', 'ok', 'ok', 'ok'],
  ['CreateAlias', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['UpdateAlias', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['TagResource', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['UntagResource', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['UpdateKeyDescription', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['ScheduleKeyDeletion', 'ok', 'ok', 'ok', 'KMSInvalidStateException'],
  ['EnableKey', 'ok', 'ok', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['DisableKey', 'ok', 'ok', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['EnableKeyRotation', 'ok', 'DisabledException', 'KMSInvalidStateException', 'KMSInvalidStateException'],
  ['CancelKeyDeletion', 'KMSInvalidStateException', 'KMSInvalidStateException', 'KMSInvalidStateException', 'ok'],
] as const)(
  '%s: Enabled=%s Disabled=%s PendingImport=%s PendingDeletion=%s',
  (op, enabled, disabled, pendingImport, pendingDeletion) => {
    expect([
      outcome(op, 'Enabled'),
      outcome(op, 'Disabled'),
      outcome(op, 'PendingImport'),
      outcome(op, 'PendingDeletion'),
    ]).toEqual([enabled, disabled, pendingImport, pendingDeletion]);
  },
);

test('messages name the key ARN and the state, as AWS does', () => {
  expect(() => assertKeyUsable(aKey('Disabled'), 'Encrypt')).toThrow(
    'arn:aws:kms:us-east-1:111122223333:key/k is disabled.',
  );
  expect(() => assertKeyUsable(aKey('PendingDeletion'), 'Encrypt')).toThrow('is pending deletion.');
  expect(() => assertKeyUsable(aKey('PendingImport'), 'Decrypt')).toThrow('is pending import.');
  expect(() => assertKeyUsable(aKey('Enabled'), 'CancelKeyDeletion')).toThrow('is not pending deletion.');
});
