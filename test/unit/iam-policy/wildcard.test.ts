import { performance } from 'node:perf_hooks';
import { wildcardMatch } from '../../../src/iam-policy/wildcard.js';

const ci = { ignoreCase: true };

describe('wildcardMatch', () => {
  test.each([
    // pattern, value, matches (case-insensitive)
    ['kms:*', 'kms:Encrypt', true],
    ['kms:*', 'kms:', true],
    ['kms:*', 'kmsx:Encrypt', false],
    ['kms:*', 'sts:AssumeRole', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['kms:Get*', 'kms:GetKeyPolicy', true],
    ['kms:Get*', 'kms:GetPublicKey', true],
    ['kms:Get*', 'kms:Get', true],
    ['kms:Get*', 'kms:ListKeys', false],
    ['kms:Get*', 'kms:Ge', false],
    ['kms:*Key*', 'kms:CreateKey', true],
    ['kms:*Key*', 'kms:DescribeKey', true],
    ['kms:*Key*', 'kms:GetKeyPolicy', true],
    ['kms:*Key*', 'kms:Encrypt', false],
    ['kms:*Key', 'kms:GetKeyPolicy', false],
    ['kms:*Key', 'kms:KeyKey', true],
    ['kms:?ncrypt', 'kms:Encrypt', true],
    ['kms:?ncrypt', 'kms:ReEncrypt', false],
    ['kms:??', 'kms:ab', true],
    ['kms:??', 'kms:a', false],
    ['kms:??', 'kms:abc', false],
    ['kms:?*', 'kms:', false],
    ['kms:*?', 'kms:x', true],
    ['KMS:ENCRYPT', 'kms:Encrypt', true],
    ['kms:encrypt', 'KMS:Encrypt', true],
    ['kms:Encrypt', 'kms:Encrypt', true],
    ['kms:Encrypt', 'kms:Encrypt2', false],
    ['kms:Encrypt', 'kms:Encryp', false],
    ['', '', true],
    ['', 'x', false],
    ['x', '', false],
    ['***', '', true],
    ['a***b', 'ab', true],
    ['a***b', 'axxxb', true],
    ['a***b', 'axxxbc', false],
    ['*a*b*c*', 'xxaxxbxxcxx', true],
    ['*a*b*c*', 'xxcxxbxxaxx', false],
    ['a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaab', true],
    ['a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaa', false],
    ['.+^$()[]{}|\\', '.+^$()[]{}|\\', true],
    ['a.c', 'abc', false],
  ])('%j ~ %j → %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value, ci)).toBe(expected);
  });

  test('is case-sensitive unless asked (ARNs)', () => {
    expect(wildcardMatch('arn:aws:kms:*:key/ABC', 'arn:aws:kms:us-east-1:111122223333:key/abc')).toBe(false);
    expect(wildcardMatch('arn:aws:kms:*:key/abc', 'arn:aws:kms:us-east-1:111122223333:key/abc')).toBe(true);
    expect(wildcardMatch('kms:get*', 'kms:GetKeyPolicy')).toBe(false);
  });

  test('pathological patterns finish in linear-ish time (no regex backtracking)', () => {
    const value = 'kms:PutKeyPolicy'.repeat(100);
    const started = performance.now();
    expect(wildcardMatch(`${'*'.repeat(10_000)}Z`, value, ci)).toBe(false);
    expect(wildcardMatch(`${'*?'.repeat(5_000)}Z`, value, ci)).toBe(false);
    expect(wildcardMatch(`${'a*'.repeat(2_000)}b`, 'a'.repeat(5_000), ci)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
