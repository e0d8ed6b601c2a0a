import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

/**
 * The raw rate of the primitive behind each benchmarked operation, in-process on one
 * core (node:crypto; @noble/curves where the emulator uses it), as a ceiling to read
 * the wire figures against.
 */
function rate(fn: () => void, ms = 800): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return Math.round(n / ((performance.now() - t0) / 1000));
}

export function primitiveRates(): Record<string, number> {
  const key = randomBytes(32);
  const pt = randomBytes(1024);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  const tag = c.getAuthTag();
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecRaw = Buffer.from(ec.privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const digest = randomBytes(32);
  const msg = randomBytes(64);
  const list = Array.from({ length: 1000 }, () => ({
    KeyId: crypto.randomUUID(),
    KeyArn: `arn:aws:kms:us-east-1:111122223333:key/${crypto.randomUUID()}`,
  }));
  return {
    aes256gcm_encrypt_1KiB: rate(() => {
      const e = createCipheriv('aes-256-gcm', key, randomBytes(12));
      Buffer.concat([e.update(pt), e.final()]);
      e.getAuthTag();
    }),
    aes256gcm_decrypt_1KiB: rate(() => {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      Buffer.concat([d.update(ct), d.final()]);
    }),
    data_key_random32_plus_gcm: rate(() => {
      const dk = randomBytes(32);
      const e = createCipheriv('aes-256-gcm', key, randomBytes(12));
      Buffer.concat([e.update(dk), e.final()]);
    }),
    ecdsa_p256_sign_node: rate(() => sign('sha256', msg, ec.privateKey)),
    ecdsa_p256_sign_noble: rate(() => p256.sign(digest, ecRaw, { prehash: false, format: 'der' })),
    rsa2048_pss_sha256_sign_node: rate(
      () => sign('sha256', msg, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      1500,
    ),
    json_stringify_list_1000: rate(() => JSON.stringify({ Keys: list, Truncated: false }), 500),
  };
}
