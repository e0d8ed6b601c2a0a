import { createHash } from 'node:crypto';
import {
  canonicalHeaders,
  canonicalRequest,
  credentialScope,
  formatAmzDate,
  headerValue,
  isCanonicalPath,
  parseAmzDate,
  stringToSign,
} from '../../../src/sigv4/canonical-request.js';
import { SUITE, SUITE_CASES } from './aws-suite-vectors.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const suiteCase = (name: string) => SUITE_CASES.find((c) => c.name === name)!;

describe('canonical request', () => {
  it('builds get-vanilla exactly as the AWS suite does', () => {
    const c = suiteCase('get-vanilla');
    const canonical = canonicalRequest(
      c,
      canonicalHeaders(c.headers, c.signedHeaders.split(';')),
      c.signedHeaders,
      sha256(''),
    );
    expect(canonical).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(stringToSign(SUITE.amzDate, credentialScope('20150830', 'us-east-1', 'service'), canonical)).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
  });

  it('builds post-x-www-form-urlencoded exactly as the AWS suite does', () => {
    const c = suiteCase('post-x-www-form-urlencoded');
    const payloadHash = sha256(c.body);
    expect(payloadHash).toBe('9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e');
    const canonical = canonicalRequest(
      c,
      canonicalHeaders(c.headers, c.signedHeaders.split(';')),
      c.signedHeaders,
      payloadHash,
    );
    expect(sha256(canonical)).toBe('42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281');
  });

  it('sorts and re-encodes query parameters', () => {
    const req = { method: 'get', path: '/', query: 'b=2&a=%7e&a=1&c=x%20y*', headers: {} };
    expect(canonicalRequest(req, '', '', 'h').split('\n').slice(0, 3)).toEqual(['GET', '/', 'a=1&a=~&b=2&c=x%20y%2A']);
  });

  it('trims header values, folds inner whitespace and joins repeated headers', () => {
    expect(headerValue({ a: '  x   y\tz ' }, 'a')).toBe('x y z');
    expect(headerValue({ a: 'plain value' }, 'a')).toBe('plain value');
    expect(headerValue({ a: ['value2', 'value1'] }, 'a')).toBe('value2,value1');
    expect(headerValue({}, 'a')).toBeUndefined();
    // A name that reaches Object.prototype is an absent header, not a crash.
    expect(headerValue({}, 'constructor')).toBeUndefined();
  });

  it('accepts as a canonical URI only paths that need no encoding', () => {
    expect(isCanonicalPath('/')).toBe(true);
    expect(isCanonicalPath('/store-1/kms/xks/v1/keys/k_1.~/encrypt')).toBe(true);
    expect(isCanonicalPath('/a%20b')).toBe(false);
    expect(isCanonicalPath('/a b')).toBe(false);
    expect(isCanonicalPath('relative')).toBe(false);
  });

  it('formats and parses x-amz-date strictly', () => {
    const when = new Date('2026-11-23T18:00:00Z');
    expect(formatAmzDate(when)).toBe('20261123T180000Z');
    expect(parseAmzDate('20261123T180000Z')).toEqual(when);
    for (const bad of [
      '20261332T180000Z',
      '20260230T120000Z',
      '20261123T240000Z',
      '00991123T180000Z',
      '2026-11-23T18:00:00Z',
      '20261123T180000',
      '',
    ]) {
      expect(parseAmzDate(bad)).toBeUndefined();
    }
    expect(parseAmzDate(undefined)).toBeUndefined();
  });
});
