import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { RateLimitedError } from '../errors/index.js';

const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

/**
 * At most `concurrency` hashes at once, `queue` more waiting; beyond that, 429 at once.
 * scrypt runs on libuv's 4 threads, which DNS, file I/O and key generation share: an
 * unauthenticated login flood must not take all of them.
 */
export class HashLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw new RateLimitedError('Too many password checks in progress; retry in a moment', { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Settings of a {@link PasswordHasher} (the service's come from CCKM_PASSWORD_SCRYPT_LOG_N and CCKM_LOGIN_HASH_*). */
export interface PasswordHashingOptions {
  /** log2 of scrypt's N for new hashes; default 15 (N=2^15, r=8, p=1: ~50 ms and 32 MiB on a server core). */
  scryptLogN?: number;
  /** Hashes computed at once (default 2). */
  concurrency?: number;
  /** Hashes waiting beyond those (default 64); more are refused with 429. */
  queue?: number;
}

/**
 * Password hashing of one service instance: scrypt at its configured cost, at most
 * `concurrency` at once. Stored hashes carry their own cost, so hashes made under another
 * setting keep verifying. One per app, not module state: two apps in one process (tests,
 * or instances side by side) each keep their own settings.
 */
export class PasswordHasher {
  private readonly n: number;
  private readonly limiter: HashLimiter;

  constructor(o: PasswordHashingOptions = {}) {
    this.n = 2 ** (o.scryptLogN ?? 15);
    this.limiter = new HashLimiter(o.concurrency ?? 2, o.queue ?? 64);
  }

  /** Hashes a password as `scrypt$N$r$p$<salt b64>$<hash b64>`. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await this.derive(password, salt, this.n, R, P);
    return ['scrypt', this.n, R, P, salt.toString('base64'), hash.toString('base64')].join('$');
  }

  /** Constant-time check of a password against a stored hash; false for any malformed hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
    if (![n, r, p].every(Number.isInteger)) return false;
    const expected = Buffer.from(parts[5]!, 'base64');
    const actual = await this.derive(password, Buffer.from(parts[4]!, 'base64'), n, r, p);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
    return this.limiter.run(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (err, key) =>
            err ? reject(err) : resolve(key),
          );
        }),
    );
  }
}
