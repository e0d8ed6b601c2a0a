import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigningKeyCache } from '../../../src/sigv4/signing-key-cache.js';
import { signRequest } from '../../../src/sigv4/sigv4-signer.js';
import { parseAuthorization, verifySignature } from '../../../src/sigv4/sigv4-verifier.js';

const CRED = { accessKeyId: 'AKIASIGNERTEST000001', secretAccessKey: 'signer/test+secret' };
const NOW = new Date('2026-12-02T08:00:00Z');
const URL_ = new URL('https://kms.example.com:8443/path/to/op?b=2&a=1');
const BODY = Buffer.from('{"KeyId":"alias/x"}');

const sign = (url = URL_, keys = new SigningKeyCache()) =>
  signRequest({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.Encrypt' },
    body: BODY,
    credential: CRED,
    region: 'eu-west-1',
    service: 'kms',
    now: NOW,
    keys,
  });

describe('signRequest', () => {
  it('signs host, x-amz-date, x-amz-content-sha256 and the given headers, lower-cased', () => {
    const headers = sign();
    expect(headers).toMatchObject({
      host: 'kms.example.com:8443',
      'x-amz-date': '20261202T080000Z',
      'x-amz-content-sha256': createHash('sha256').update(BODY).digest('hex'),
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.Encrypt',
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIASIGNERTEST000001\/20261202\/eu-west-1\/kms\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it('produces the signature the AWS SDK signer (@smithy/signature-v4) produces', async () => {
    const ours = sign();
    const signer = new SignatureV4({ service: 'kms', region: 'eu-west-1', credentials: CRED, sha256: Sha256 });
    const { authorization: _a, ...sent } = ours;
    const theirs = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: URL_.hostname,
        port: 8443,
        path: URL_.pathname,
        query: { b: '2', a: '1' },
        headers: sent,
        body: BODY,
      },
      { signingDate: NOW },
    );
    expect(theirs.headers.authorization).toBe(ours.authorization);
  });

  it('is verified by the verifier, and only for the request it signed', () => {
    const headers = sign();
    const auth = parseAuthorization(headers.authorization)!;
    const req = { method: 'POST', path: URL_.pathname, query: 'b=2&a=1', headers, body: BODY };
    const opts = { now: NOW, keys: new SigningKeyCache() };
    expect(verifySignature(req, auth, CRED.secretAccessKey, opts)).toEqual({ ok: true });
    expect(verifySignature({ ...req, query: 'b=3&a=1' }, auth, CRED.secretAccessKey, opts)).toMatchObject({
      ok: false,
      code: 'signature-mismatch',
    });
    expect(verifySignature({ ...req, body: Buffer.from('{}') }, auth, CRED.secretAccessKey, opts)).toMatchObject({
      ok: false,
      code: 'content-hash-mismatch',
    });
  });

  it('derives its signing key once per scope', () => {
    const keys = new SigningKeyCache();
    const first = sign(URL_, keys);
    expect(sign(URL_, keys)).toEqual(first);
    expect(keys.size).toBe(1);
  });

  it('refuses a path SigV4 would have to encode', () => {
    expect(() => sign(new URL('https://kms.example.com/a b'))).toThrow(/path/);
  });
});
