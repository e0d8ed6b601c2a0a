import { createHash, createHmac } from 'node:crypto';
import type { HeaderMap } from '../../../src/sigv4/canonical-request.js';
import { SigningKeyCache } from '../../../src/sigv4/signing-key-cache.js';
import {
  constantTimeEqual,
  parseAuthorization,
  verifySignature,
  type SignedRequest,
  type SigV4Authorization,
} from '../../../src/sigv4/sigv4-verifier.js';
import { SUITE, SUITE_CASES, suiteAuthorization, type SuiteCase } from './aws-suite-vectors.js';

const request = (c: SuiteCase, changes: Partial<SignedRequest> = {}): SignedRequest => ({
  method: c.method,
  path: c.path,
  query: c.query,
  headers: c.headers,
  body: Buffer.from(c.body),
  ...changes,
});
const authOf = (header: string): SigV4Authorization => parseAuthorization(header)!;
const verify = (
  req: SignedRequest,
  auth: SigV4Authorization,
  opts: { secret?: string; now?: Date; keys?: SigningKeyCache } = {},
) =>
  verifySignature(req, auth, opts.secret ?? SUITE.secretAccessKey, {
    now: opts.now ?? SUITE.now,
    keys: opts.keys ?? new SigningKeyCache(),
  });

const FORM = SUITE_CASES.find((c) => c.name === 'post-x-www-form-urlencoded')!;
const FORM_AUTH = authOf(suiteAuthorization(FORM));

/**
 * Signs like a client would, independently of src/sigv4 (node:crypto only), over exactly
 * the given headers: for requests the suite has no case for (host left unsigned, ...).
 */
function signIndependently(headers: Record<string, string>, body: string, signed: string[]): string {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const canonical = [
    'POST',
    '/',
    '',
    signed.map((h) => `${h}:${headers[h]}\n`).join(''),
    signed.join(';'),
    sha(body),
  ].join('\n');
  const scope = '20150830/us-east-1/service/aws4_request';
  const key = hmac(
    hmac(hmac(hmac(`AWS4${SUITE.secretAccessKey}`, '20150830'), 'us-east-1'), 'service'),
    'aws4_request',
  );
  const signature = createHmac('sha256', key)
    .update(['AWS4-HMAC-SHA256', headers['x-amz-date'], scope, sha(canonical)].join('\n'))
    .digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${SUITE.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}

describe('parseAuthorization', () => {
  it('reads the credential scope, signed headers and signature', () => {
    expect(parseAuthorization(suiteAuthorization(FORM))).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20150830',
      region: 'us-east-1',
      service: 'service',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signedHeaderList: 'content-type;host;x-amz-date',
      signature: FORM.signature,
    });
  });

  it('refuses anything but the AWS4-HMAC-SHA256 header form', () => {
    const header = suiteAuthorization(FORM);
    for (const bad of [
      undefined,
      '',
      'Bearer x',
      header.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'),
      header.replace(/, Signature=.*/, ''),
      header.replace(FORM.signature, FORM.signature.slice(1)),
      header.replace(FORM.signature, FORM.signature.toUpperCase()),
      header.replace('/aws4_request', '/aws5_request'),
    ]) {
      expect(parseAuthorization(bad)).toBeUndefined();
    }
  });
});

describe('verifySignature', () => {
  it.each(SUITE_CASES.map((c) => [c.name, c] as const))('verifies the AWS suite case %s', (_name, c) => {
    expect(verify(request(c), authOf(suiteAuthorization(c)))).toEqual({ ok: true });
  });

  it('refuses a wrong secret, a changed signature, body, method, query, path or signed header', () => {
    const mismatch = { ok: false, code: 'signature-mismatch', reason: 'The request signature does not match' };
    expect(verify(request(FORM), FORM_AUTH, { secret: `${SUITE.secretAccessKey}x` })).toEqual(mismatch);
    const flipped = FORM.signature.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
    expect(verify(request(FORM), authOf(suiteAuthorization({ ...FORM, signature: flipped })))).toEqual(mismatch);
    expect(verify(request(FORM, { body: Buffer.from('Param1=value2') }), FORM_AUTH)).toEqual(mismatch);
    expect(verify(request(FORM, { method: 'PUT' }), FORM_AUTH)).toEqual(mismatch);
    expect(verify(request(FORM, { query: 'a=b' }), FORM_AUTH)).toEqual(mismatch);
    expect(verify(request(FORM, { path: '/other' }), FORM_AUTH)).toEqual(mismatch);
    expect(verify(request(FORM, { headers: { ...FORM.headers, 'content-type': 'text/plain' } }), FORM_AUTH)).toEqual(
      mismatch,
    );
  });

  it('refuses the right signature presented for another host', () => {
    expect(verify(request(FORM, { headers: { ...FORM.headers, host: 'evil.example.com' } }), FORM_AUTH)).toMatchObject({
      ok: false,
      code: 'signature-mismatch',
    });
  });

  it('refuses a correctly computed signature that does not cover host', () => {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      host: 'example.amazonaws.com',
      'x-amz-date': SUITE.amzDate,
    };
    const unsignedHost = authOf(signIndependently(headers, FORM.body, ['content-type', 'x-amz-date']));
    expect(verify(request(FORM, { headers }), unsignedHost)).toEqual({
      ok: false,
      code: 'host-unsigned',
      reason: 'The signature must cover the host header',
    });
    // The same signer over host as well is accepted: the refusal is about host, not the signer.
    expect(
      verify(
        request(FORM, { headers }),
        authOf(signIndependently(headers, FORM.body, ['content-type', 'host', 'x-amz-date'])),
      ),
    ).toEqual({ ok: true });
  });

  it('refuses a signature that does not cover x-amz-date, or a signed header the request lacks', () => {
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      host: 'example.amazonaws.com',
      'x-amz-date': SUITE.amzDate,
    };
    expect(
      verify(request(FORM, { headers }), authOf(signIndependently(headers, FORM.body, ['content-type', 'host']))),
    ).toMatchObject({ ok: false, code: 'date-unsigned' });
    const { host: _host, ...noHost } = FORM.headers as Record<string, string>;
    expect(verify(request(FORM, { headers: noHost }), FORM_AUTH)).toMatchObject({
      ok: false,
      code: 'header-missing',
      reason: expect.stringContaining('host'),
    });
    const odd = authOf(suiteAuthorization({ ...FORM, signedHeaders: 'constructor;host;x-amz-date' }));
    expect(verify(request(FORM), odd)).toMatchObject({ ok: false, code: 'header-missing' });
  });

  it('refuses SignedHeaders that are not sorted and unique', () => {
    expect(
      verify(request(FORM), authOf(suiteAuthorization({ ...FORM, signedHeaders: 'host;content-type;x-amz-date' }))),
    ).toMatchObject({ ok: false, code: 'headers-unsorted' });
    expect(
      verify(
        request(FORM),
        authOf(suiteAuthorization({ ...FORM, signedHeaders: 'content-type;host;host;x-amz-date' })),
      ),
    ).toMatchObject({ ok: false, code: 'headers-unsorted' });
  });

  it('allows five minutes of clock skew either way, and no more', () => {
    const at = (ms: number) => new Date(SUITE.now.getTime() + ms);
    const fiveMinutes = 5 * 60 * 1000;
    expect(verify(request(FORM), FORM_AUTH, { now: at(fiveMinutes) })).toEqual({ ok: true });
    expect(verify(request(FORM), FORM_AUTH, { now: at(-fiveMinutes) })).toEqual({ ok: true });
    expect(verify(request(FORM), FORM_AUTH, { now: at(fiveMinutes + 1000) })).toMatchObject({
      ok: false,
      code: 'clock-skew',
      reason: expect.stringContaining('too far'),
    });
    expect(verify(request(FORM), FORM_AUTH, { now: at(-fiveMinutes - 1000) })).toMatchObject({
      ok: false,
      code: 'clock-skew',
    });
    const wide = verifySignature(request(FORM), FORM_AUTH, SUITE.secretAccessKey, {
      now: at(fiveMinutes + 1000),
      maxClockSkewMs: 10 * 60 * 1000,
    });
    expect(wide).toEqual({ ok: true });
  });

  it('refuses an x-amz-date that is malformed or not on the credential scope date', () => {
    const withDate = (date: string) => request(FORM, { headers: { ...FORM.headers, 'x-amz-date': date } });
    expect(verify(withDate('2015-08-30T12:36:00Z'), FORM_AUTH)).toMatchObject({ ok: false, code: 'date-malformed' });
    expect(verify(withDate('20150230T123600Z'), FORM_AUTH)).toMatchObject({ ok: false, code: 'date-malformed' });
    expect(verify(withDate('20150831T000100Z'), FORM_AUTH, { now: new Date('2015-08-31T00:00:00Z') })).toMatchObject({
      ok: false,
      code: 'date-out-of-scope',
    });
  });

  it('checks a sent x-amz-content-sha256 against the body it received', () => {
    const hash = createHash('sha256').update(FORM.body).digest('hex');
    expect(verify(request(FORM, { headers: { ...FORM.headers, 'x-amz-content-sha256': hash } }), FORM_AUTH)).toEqual({
      ok: true,
    });
    const claimed = request(FORM, { headers: { ...FORM.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(verify(claimed, FORM_AUTH)).toMatchObject({ ok: false, code: 'content-hash-mismatch' });
  });

  it('refuses a path whose canonical URI would depend on the encoding variant', () => {
    expect(verify(request(FORM, { path: '/a%20b' }), FORM_AUTH)).toMatchObject({
      ok: false,
      code: 'path-not-canonical',
      reason: expect.stringContaining('alphabet'),
    });
  });

  it('never throws on odd header maps', () => {
    const headers: HeaderMap = {
      ...FORM.headers,
      'content-type': ['application/x-www-form-urlencoded'],
      host: undefined,
    };
    expect(() => verify(request(FORM, { headers }), FORM_AUTH)).not.toThrow();
    expect(
      verify(
        request(FORM, { headers: { ...FORM.headers, 'content-type': ['application/x-www-form-urlencoded'] } }),
        FORM_AUTH,
      ),
    ).toEqual({ ok: true });
  });
});

describe('constantTimeEqual', () => {
  it('is true only for equal strings, whatever their lengths', () => {
    expect(constantTimeEqual('session-token', 'session-token')).toBe(true);
    expect(constantTimeEqual('session-token', 'session-tokem')).toBe(false);
    expect(constantTimeEqual('short', 'session-token')).toBe(false);
    expect(constantTimeEqual('', 'session-token')).toBe(false);
  });
});
