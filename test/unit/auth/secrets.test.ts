import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '../../../src/auth/passwords.js';

const passwords = new PasswordHasher();
const hashPassword = (password: string) => passwords.hash(password);
const verifyPassword = (password: string, stored: string) => passwords.verify(password, stored);
import { deriveKey, SecretBox } from '../../../src/auth/secret-box.js';
import { InternalError } from '../../../src/errors/index.js';

describe('SecretBox (secrets at rest)', () => {
  const master = randomBytes(32);
  const box = new SecretBox(deriveKey(master, 'secrets'));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'connection:1:secret_access_key');
    expect(sealed.includes(Buffer.from('wJalrXUtnFEMI'))).toBe(false);
    expect(box.open(sealed, 'connection:1:secret_access_key')).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  });

  it('uses a fresh IV: the same secret seals differently each time', () => {
    expect(box.seal('s', 'p').equals(box.seal('s', 'p'))).toBe(false);
  });

  it('refuses a secret moved to another purpose, a tampered one, or another master key', () => {
    const sealed = box.seal('secret', 'connection:1:secret_access_key');
    expect(() => box.open(sealed, 'connection:2:secret_access_key')).toThrow(InternalError);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => box.open(tampered, 'connection:1:secret_access_key')).toThrow(InternalError);
    expect(() =>
      new SecretBox(deriveKey(randomBytes(32), 'secrets')).open(sealed, 'connection:1:secret_access_key'),
    ).toThrow(InternalError);
  });

  it('derives independent keys per purpose', () => {
    expect(deriveKey(master, 'secrets').equals(deriveKey(master, 'jwt-hs256'))).toBe(false);
  });
});

describe('passwords (scrypt)', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('correct horse');
    await expect(verifyPassword('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', hash)).resolves.toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('pw-123456')).not.toBe(await hashPassword('pw-123456'));
  });

  it('treats a malformed stored hash as a mismatch, not an error', async () => {
    await expect(verifyPassword('x', 'md5$abc')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$a$b$c$d$e')).resolves.toBe(false);
  });
});
