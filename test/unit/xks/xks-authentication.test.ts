import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  signXksRequest,
  verifyXksRequest,
  XKS_SIGNING_SERVICE,
  type XksReceivedRequest,
} from '../../../src/xks/xks-authentication.js';

const CRED = {
  accessKeyId: 'AKIAXKSPROXYTEST2345',
  secretAccessKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==',
};
const OTHER = {
  accessKeyId: 'AKIAXKSPROXYOTHER234',
  secretAccessKey: 'b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI=',
};
const NOW = new Date('2026-11-23T18:00:00Z');
const URL_ = new URL('https://xks.example.com:8443/store1/kms/xks/v1/keys/k-1/encrypt');
const BODY = Buffer.from('{"requestMetadata":{"kmsOperation":"Encrypt"}}');

/** Signs BODY with our signer and returns the request as the proxy would receive it. */
function signed(
  overrides: { credential?: typeof CRED; region?: string; service?: string; now?: Date } = {},
): XksReceivedRequest {
  const headers = signXksRequest({
    method: 'POST',
    url: URL_,
    headers: { 'Content-Type': 'application/json' },
    body: BODY,
    credential: overrides.credential ?? CRED,
    region: overrides.region ?? 'us-east-1',
    service: overrides.service,
    now: overrides.now ?? NOW,
  });
  return { method: 'POST', path: URL_.pathname, headers, body: BODY };
}

const verify = (req: XksReceivedRequest, opts: Partial<Parameters<typeof verifyXksRequest>[1]> = {}) =>
  verifyXksRequest(req, { region: 'us-east-1', credentials: [CRED], now: NOW, ...opts });

describe('XKS request authentication', () => {
  it('verifies its own signature and names the credential used', () => {
    expect(verify(signed())).toEqual({ ok: true, accessKeyId: CRED.accessKeyId });
  });

  it('verifies a request signed by the AWS SDK signer (@smithy/signature-v4)', async () => {
    const signer = new SignatureV4({
      service: XKS_SIGNING_SERVICE,
      region: 'us-east-1',
      credentials: CRED,
      sha256: Sha256,
    });
    const req = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: URL_.hostname,
        port: 8443,
        path: URL_.pathname,
        headers: { host: URL_.host, 'content-type': 'application/json' },
        body: BODY,
      },
      { signingDate: NOW },
    );
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verify({ method: 'POST', path: URL_.pathname, headers, body: BODY })).toEqual({
      ok: true,
      accessKeyId: CRED.accessKeyId,
    });
  });

  it('hashes the body it received even when x-amz-content-sha256 is neither signed nor sent', async () => {
    const signer = new SignatureV4({
      service: XKS_SIGNING_SERVICE,
      region: 'us-east-1',
      credentials: CRED,
      sha256: Sha256,
    });
    const req = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: URL_.hostname,
        port: 8443,
        path: URL_.pathname,
        headers: { host: URL_.host },
        body: BODY,
      },
      { signingDate: NOW, unsignableHeaders: new Set(['x-amz-content-sha256']) },
    );
    const { 'x-amz-content-sha256': _hash, ...bare } = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(String(bare.authorization)).not.toContain('x-amz-content-sha256');
    expect(verify({ method: 'POST', path: URL_.pathname, headers: bare, body: BODY })).toMatchObject({ ok: true });
    expect(verify({ method: 'POST', path: URL_.pathname, headers: bare, body: Buffer.from('{}') })).toEqual({
      ok: false,
      reason: 'The request signature does not match',
    });
  });

  it('accepts any of several credentials during rotation, and refuses an unknown one', () => {
    expect(verify(signed({ credential: OTHER }), { credentials: [CRED, OTHER] })).toEqual({
      ok: true,
      accessKeyId: OTHER.accessKeyId,
    });
    expect(verify(signed({ credential: OTHER }))).toEqual({
      ok: false,
      reason: 'The request signature does not match',
    });
  });

  it('refuses a wrong secret for a known access key id', () => {
    expect(verify(signed({ credential: { ...CRED, secretAccessKey: OTHER.secretAccessKey } }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not match'),
    });
  });

  it('refuses another service or region in the credential scope', () => {
    expect(verify(signed({ service: 'kms' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('service kms'),
    });
    expect(verify(signed({ region: 'eu-west-1' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('region eu-west-1'),
    });
  });

  it('refuses a request more than five minutes away from the proxy clock, either way', () => {
    const later = new Date(NOW.getTime() + 5 * 60 * 1000 + 1000);
    const earlier = new Date(NOW.getTime() - 5 * 60 * 1000 - 1000);
    expect(verify(signed({ now: later }))).toMatchObject({ ok: false, reason: expect.stringContaining('too far') });
    expect(verify(signed({ now: earlier }))).toMatchObject({ ok: false, reason: expect.stringContaining('too far') });
    expect(verify(signed({ now: new Date(NOW.getTime() + 4 * 60 * 1000) }))).toMatchObject({ ok: true });
  });

  it('refuses a tampered body, path, method or signed header', () => {
    const req = signed();
    expect(verify({ ...req, body: Buffer.from('{"requestMetadata":{"kmsOperation":"Decrypt"}}') })).toMatchObject({
      ok: false,
    });
    const noContentHash = { ...req.headers, 'x-amz-content-sha256': undefined };
    expect(verify({ ...req, headers: noContentHash, body: Buffer.from('{}') })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('missing'),
    });
    expect(verify({ ...req, path: '/store1/kms/xks/v1/keys/k-1/decrypt' })).toMatchObject({ ok: false });
    expect(verify({ ...req, method: 'PUT' })).toMatchObject({ ok: false });
    expect(verify({ ...req, headers: { ...req.headers, host: 'evil.example.com' } })).toMatchObject({ ok: false });
    expect(verify({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } })).toMatchObject({ ok: false });
  });

  it('refuses a signature that does not cover host or x-amz-date, or a missing/odd Authorization', () => {
    const req = signed();
    const auth = String(req.headers.authorization);
    const withoutHost = auth.replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;');
    expect(verify({ ...req, headers: { ...req.headers, authorization: withoutHost } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('host'),
    });
    expect(verify({ ...req, headers: { ...req.headers, authorization: undefined } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Authorization'),
    });
    expect(
      verify({
        ...req,
        headers: { ...req.headers, authorization: auth.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512') },
      }),
    ).toMatchObject({ ok: false });
    expect(verify({ ...req, headers: { ...req.headers, 'x-amz-date': '2026-11-23T18:00:00Z' } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('x-amz-date'),
    });
  });

  it('refuses a path outside the XKS path alphabet', () => {
    expect(verify({ ...signed(), path: '/store1/kms/xks/v1/keys/k%201/encrypt' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('alphabet'),
    });
    expect(() =>
      signXksRequest({
        method: 'POST',
        url: new URL('https://x.example.com/a b/kms/xks/v1/health'),
        body: BODY,
        credential: CRED,
        region: 'us-east-1',
      }),
    ).toThrow(/path/);
  });
});
