import type { Request, Response } from 'express';
import { HashLimiter, PasswordHasher } from '../../../src/auth/passwords.js';
import { RateLimitedError } from '../../../src/errors/index.js';
import { loginRateLimit } from '../../../src/http/middleware/login-rate-limit.js';

describe('HashLimiter (concurrent password hashes)', () => {
  it('runs at most `concurrency` at once, queues up to `queue`, and refuses beyond it with 429 at once', async () => {
    const limiter = new HashLimiter(2, 1);
    let active = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      limiter.run(async () => {
        peak = Math.max(peak, ++active);
        await new Promise<void>((r) => releases.push(r));
        active--;
      });
    const running = [task(), task(), task()];
    await expect(task()).rejects.toBeInstanceOf(RateLimitedError);
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(running);
    expect(peak).toBe(2);
  });

  it('a hash made at a cheaper configured cost keeps verifying after the cost changes', async () => {
    const cheap = await new PasswordHasher({ scryptLogN: 10 }).hash('correct horse');
    expect(cheap.split('$')[1]).toBe('1024');
    const usual = new PasswordHasher({ scryptLogN: 15 });
    expect((await usual.hash('correct horse')).split('$')[1]).toBe('32768');
    await expect(usual.verify('correct horse', cheap)).resolves.toBe(true);
    await expect(usual.verify('wrong', cheap)).resolves.toBe(false);
  });
});

describe('loginRateLimit (token buckets)', () => {
  const call = (mw: ReturnType<typeof loginRateLimit>, ip: string) => {
    let out: unknown = 'not called';
    mw({ socket: { remoteAddress: ip } } as unknown as Request, {} as Response, (err?: unknown) => (out = err));
    return out;
  };

  it('a burst beyond a client’s bucket is refused with Retry-After; another address keeps its own bucket; tokens come back', () => {
    let now = 0;
    const mw = loginRateLimit({ ratePerSecond: 0, burst: 1, ipRatePerSecond: 1, ipBurst: 3, now: () => now });
    expect([1, 2, 3].map(() => call(mw, '10.0.0.1'))).toEqual([undefined, undefined, undefined]);
    const refused = call(mw, '10.0.0.1') as RateLimitedError;
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(call(mw, '10.0.0.2')).toBeUndefined();
    now += 1000;
    expect(call(mw, '10.0.0.1')).toBeUndefined();
  });

  it('the global bucket holds across addresses', () => {
    const mw = loginRateLimit({ ratePerSecond: 0.5, burst: 2, ipRatePerSecond: 0, ipBurst: 1, now: () => 0 });
    expect(call(mw, 'a')).toBeUndefined();
    expect(call(mw, 'b')).toBeUndefined();
    expect((call(mw, 'c') as RateLimitedError).retryAfterSeconds).toBe(2);
  });
});
