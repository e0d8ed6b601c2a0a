import { deriveSigningKey, SigningKeyCache } from '../../../src/sigv4/signing-key-cache.js';
import { parseAuthorization, verifySignature } from '../../../src/sigv4/sigv4-verifier.js';
import { SUITE, SUITE_CASES, suiteAuthorization } from './aws-suite-vectors.js';

const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('deriveSigningKey', () => {
  it("derives AWS's documented example key", () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4-create-signed-request.html (iam, 20120215)
    expect(deriveSigningKey(EXAMPLE_SECRET, '20120215', 'us-east-1', 'iam').toString('hex')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });
});

describe('SigningKeyCache', () => {
  it('derives a key once and answers the same key on a hit', () => {
    const cache = new SigningKeyCache();
    const first = cache.signingKey(EXAMPLE_SECRET, '20120215', 'us-east-1', 'iam');
    expect(first.toString('hex')).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
    expect(cache.signingKey(EXAMPLE_SECRET, '20120215', 'us-east-1', 'iam')).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('derives anew for another date, Region, service or secret', () => {
    const cache = new SigningKeyCache();
    const scopes: [string, string, string, string][] = [
      [EXAMPLE_SECRET, '20120215', 'us-east-1', 'iam'],
      [EXAMPLE_SECRET, '20120216', 'us-east-1', 'iam'],
      [EXAMPLE_SECRET, '20120215', 'eu-west-1', 'iam'],
      [EXAMPLE_SECRET, '20120215', 'us-east-1', 'kms'],
      [`${EXAMPLE_SECRET}2`, '20120215', 'us-east-1', 'iam'],
    ];
    const keys = scopes.map((s) => cache.signingKey(...s));
    expect(cache.size).toBe(scopes.length);
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(scopes.length);
    scopes.forEach((s, i) => expect(keys[i]).toEqual(deriveSigningKey(...s)));
  });

  it('keeps scopes apart whatever characters they hold', () => {
    const cache = new SigningKeyCache();
    const a = cache.signingKey('secret', '20120215', 'us/east', '1kms');
    const b = cache.signingKey('secret', '20120215', 'us', 'east/1kms');
    expect(a).not.toEqual(b);
    expect(b).toEqual(deriveSigningKey('secret', '20120215', 'us', 'east/1kms'));
  });

  it('is bounded: when full, the oldest entry goes', () => {
    const cache = new SigningKeyCache(3);
    const oldest = cache.signingKey('s', '20260101', 'us-east-1', 'kms');
    for (let day = 2; day <= 10; day++)
      cache.signingKey('s', `202601${String(day).padStart(2, '0')}`, 'us-east-1', 'kms');
    expect(cache.size).toBe(3);
    const newest = cache.signingKey('s', '20260110', 'us-east-1', 'kms');
    expect(cache.signingKey('s', '20260110', 'us-east-1', 'kms')).toBe(newest);
    const again = cache.signingKey('s', '20260101', 'us-east-1', 'kms');
    expect(again).not.toBe(oldest);
    expect(again).toEqual(oldest);
    expect(cache.size).toBe(3);
    expect(() => new SigningKeyCache(0)).toThrow(RangeError);
  });

  it('serves verification: one entry per scope, the same verdict on a hit, and a wrong secret still refused', () => {
    const cache = new SigningKeyCache();
    const c = SUITE_CASES.find((s) => s.name === 'post-x-www-form-urlencoded')!;
    const req = { method: c.method, path: c.path, query: c.query, headers: c.headers, body: Buffer.from(c.body) };
    const auth = parseAuthorization(suiteAuthorization(c))!;
    const verify = (secret: string) => verifySignature(req, auth, secret, { now: SUITE.now, keys: cache });
    expect(verify(SUITE.secretAccessKey)).toEqual({ ok: true });
    expect(cache.size).toBe(1);
    expect(verify(SUITE.secretAccessKey)).toEqual({ ok: true });
    expect(cache.size).toBe(1);
    expect(verify('not-the-secret')).toMatchObject({ ok: false, code: 'signature-mismatch' });
    expect(cache.size).toBe(2);
  });
});
