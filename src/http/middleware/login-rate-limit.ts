import type { RequestHandler } from 'express';
import { RateLimitedError } from '../../errors/index.js';

/** Token buckets of the login route: one for everyone, one per client address. 0 per second disables a bucket. */
export interface LoginRateLimitOptions {
  /** CCKM_LOGIN_RATE_PER_SECOND / CCKM_LOGIN_BURST: all clients together. */
  ratePerSecond: number;
  burst: number;
  /** CCKM_LOGIN_IP_RATE_PER_SECOND / CCKM_LOGIN_IP_BURST: each client address. */
  ipRatePerSecond: number;
  ipBurst: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Addresses tracked at once; beyond it, full (idle) buckets are forgotten first. */
const MAX_TRACKED = 10_000;

/** A token bucket: `rate` tokens a second up to `burst`; a request takes one. */
class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes a token: 0 when granted, else the seconds until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.rate;
  }

  /** True when the bucket has refilled completely (it can be forgotten). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}

/**
 * Throttles `POST /auth/tokens` before anything else runs (no body parsing, no database,
 * no scrypt): 429 with Retry-After beyond the client's bucket or the global one. The
 * client is the socket's address (`trust proxy` is off: behind a proxy, every client
 * shares the proxy's bucket, so set the per-address rate for that).
 */
export function loginRateLimit(o: LoginRateLimitOptions): RequestHandler {
  const now = o.now ?? Date.now;
  const global = o.ratePerSecond > 0 ? new TokenBucket(o.ratePerSecond, o.burst, now()) : undefined;
  const perIp = new Map<string, TokenBucket>();
  const bucketOf = (ip: string, t: number): TokenBucket | undefined => {
    if (o.ipRatePerSecond <= 0) return undefined;
    let b = perIp.get(ip);
    if (!b) {
      if (perIp.size >= MAX_TRACKED) for (const [k, v] of perIp) if (v.full(t)) perIp.delete(k);
      // Still full of active clients: the oldest entry goes (it may get a fresh burst; the global bucket still holds).
      if (perIp.size >= MAX_TRACKED) perIp.delete(perIp.keys().next().value!);
      b = new TokenBucket(o.ipRatePerSecond, o.ipBurst, t);
      perIp.set(ip, b);
    }
    return b;
  };
  return (req, _res, next) => {
    const t = now();
    const wait = bucketOf(req.socket.remoteAddress ?? req.ip ?? '', t)?.take(t) || global?.take(t) || 0;
    if (wait > 0)
      return next(new RateLimitedError('Too many login attempts; retry later', { retryAfterSeconds: wait }));
    next();
  };
}
