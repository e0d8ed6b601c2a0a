import {
  canonicalPolicy,
  driftColumns,
  policyDrift,
  templatePolicyFor,
} from '../../../../src/cckm/policy/policy-drift.js';
import type { PolicyTemplateRecord } from '../../../../src/cckm/common/records.js';

const ROOT = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'kms:*',
  Resource: '*',
};
const USERS = {
  Sid: 'Use',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:role/App'] },
  Action: ['kms:Encrypt', 'kms:Decrypt'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
};
const TEMPLATE = { Version: '2012-10-17', Id: 'tpl', Statement: [ROOT, USERS] };

describe('policyDrift: semantic comparison of key policies', () => {
  it('the same policy as an object, as compact JSON text and as pretty-printed text → no drift', () => {
    expect(policyDrift(TEMPLATE, TEMPLATE)).toBe(false);
    expect(policyDrift(TEMPLATE, JSON.stringify(TEMPLATE))).toBe(false);
    expect(policyDrift(JSON.stringify(TEMPLATE), JSON.stringify(TEMPLATE, null, 4))).toBe(false);
  });

  it('key order, statement order, list order and repeated values do not count', () => {
    const reordered = {
      Statement: [
        {
          Resource: '*',
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:Decrypt'],
          Principal: { AWS: [...USERS.Principal.AWS].reverse() },
          Effect: 'Allow',
          Sid: 'Use',
        },
        ROOT,
      ],
      Id: 'tpl',
      Version: '2012-10-17',
    };
    expect(policyDrift(TEMPLATE, reordered)).toBe(false);
  });

  it('a single value equals a one-element list; a lone statement equals a list of one', () => {
    const template = {
      Version: '2012-10-17',
      Statement: [
        { ...ROOT, Action: ['kms:*'], Resource: ['*'], Principal: { AWS: ['arn:aws:iam::123456789012:root'] } },
      ],
    };
    expect(policyDrift(template, { Version: '2012-10-17', Statement: ROOT })).toBe(false);
  });

  it('IAM equivalences: Principal "*" ≡ {AWS:"*"}, a root ARN ≡ the account id, true ≡ "true" in a Condition', () => {
    const star = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }],
    };
    expect(
      policyDrift(star, {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }],
      }),
    ).toBe(false);
    expect(
      policyDrift(TEMPLATE, { ...TEMPLATE, Statement: [{ ...ROOT, Principal: { AWS: '123456789012' } }, USERS] }),
    ).toBe(false);
    expect(
      policyDrift(TEMPLATE, {
        ...TEMPLATE,
        Statement: [ROOT, { ...USERS, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }],
      }),
    ).toBe(false);
  });

  it('a real change drifts: another principal, an added action, an extra statement, a changed effect, Sid or Id', () => {
    const changed = (s: object) => ({ ...TEMPLATE, Statement: [ROOT, { ...USERS, ...s }] });
    expect(policyDrift(TEMPLATE, changed({ Principal: { AWS: ['arn:aws:iam::123456789012:user/mallory'] } }))).toBe(
      true,
    );
    expect(policyDrift(TEMPLATE, changed({ Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ScheduleKeyDeletion'] }))).toBe(
      true,
    );
    expect(policyDrift(TEMPLATE, changed({ Effect: 'Deny' }))).toBe(true);
    expect(policyDrift(TEMPLATE, changed({ Sid: 'Other' }))).toBe(true);
    expect(policyDrift(TEMPLATE, { ...TEMPLATE, Id: 'other' })).toBe(true);
    expect(policyDrift(TEMPLATE, { ...TEMPLATE, Statement: [ROOT] })).toBe(true);
    expect(policyDrift(TEMPLATE, { ...TEMPLATE, Statement: [ROOT, USERS, { ...ROOT, Sid: 'More' }] })).toBe(true);
    // Another account's root is not this account.
    expect(
      policyDrift(TEMPLATE, { ...TEMPLATE, Statement: [{ ...ROOT, Principal: { AWS: '111122223333' } }, USERS] }),
    ).toBe(true);
  });

  it('no policy, or text that is not JSON, drifts from a template', () => {
    expect(policyDrift(TEMPLATE, undefined)).toBe(true);
    expect(policyDrift(TEMPLATE, null)).toBe(true);
    expect(policyDrift(TEMPLATE, '{not json')).toBe(true);
  });

  it('canonicalPolicy is stable text: equal for equivalent policies, different for different ones', () => {
    expect(canonicalPolicy(JSON.stringify(TEMPLATE))).toBe(
      canonicalPolicy({ Statement: [USERS, ROOT], Version: '2012-10-17', Id: 'tpl' }),
    );
    expect(canonicalPolicy(TEMPLATE)).not.toBe(canonicalPolicy({ ...TEMPLATE, Version: '2008-10-17' }));
  });
});

describe('templatePolicyFor and driftColumns', () => {
  const ctx = { accountId: '123456789012', partition: 'aws', keyUsage: 'SIGN_VERIFY', keySpec: 'ECC_NIST_P256' };
  const base: PolicyTemplateRecord = {
    id: '00000000-0000-4000-8000-000000000001',
    account: 'kylo:kylo:admin:accounts:kylo',
    name: 'tpl',
    kmsId: '00000000-0000-4000-8000-000000000002',
    policy: null,
    keyAdmins: [],
    keyAdminsRoles: [],
    keyUsers: ['alice'],
    keyUsersRoles: [],
    externalAccounts: [],
    isVerified: true,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };

  it('a literal template policy is used as is; principal lists build the policy for the key usage', () => {
    expect(templatePolicyFor({ ...base, policy: TEMPLATE }, ctx)).toEqual(TEMPLATE);
    const built = templatePolicyFor(base, ctx);
    const use = built.Statement.find((s) => s.Sid === 'Allow use of the key')!;
    expect(use.Principal).toEqual({ AWS: ['arn:aws:iam::123456789012:user/alice'] });
    expect(use.Action).toEqual(['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify']);
  });

  it('no template: not drifted, never checked; with one: checked now, drifted only when the policy differs', () => {
    const now = new Date('2026-11-24T03:00:00Z');
    expect(driftColumns(null, ctx, TEMPLATE, now)).toEqual({ policyDrift: false, policyDriftCheckedAt: null });
    const tpl = { ...base, policy: TEMPLATE };
    expect(driftColumns(tpl, ctx, JSON.stringify(TEMPLATE), now)).toEqual({
      policyDrift: false,
      policyDriftCheckedAt: now,
    });
    expect(driftColumns(tpl, ctx, { ...TEMPLATE, Statement: [ROOT] }, now)).toEqual({
      policyDrift: true,
      policyDriftCheckedAt: now,
    });
  });
});
