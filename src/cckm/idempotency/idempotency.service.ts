import { createHash } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { AppError, ConflictError } from '../../errors/index.js';

export interface IdempotencyRow {
  userId: string;
  requestHash: string;
  state: string;
  statusCode: number | null;
  response: unknown;
  expiresAt: Date;
}

export interface IdempotencyRepository {
  /** Inserts a pending row; returns the existing row when the key is taken. */
  claim(row: {
    account: string;
    key: string;
    userId: string;
    requestHash: string;
    expiresAt: Date;
  }): Promise<'claimed' | IdempotencyRow>;
  complete(
    account: string,
    key: string,
    statusCode: number,
    response: unknown,
    resourceId: string | null,
  ): Promise<void>;
  release(account: string, key: string): Promise<void>;
}

export interface IdempotentResult<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * `Idempotency-Key` support: a retried create with the same key and body returns the
 * first result instead of creating a second resource. The key is per account and kept
 * for a configurable time; reusing it for a different request is a conflict.
 */
export class IdempotencyService {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly ttlSeconds: number,
  ) {}

  async run<T>(
    p: Principal,
    key: string | undefined,
    operation: string,
    request: unknown,
    fn: () => Promise<{ status: number; body: T; resourceId: string | null }>,
  ): Promise<IdempotentResult<T>> {
    if (!key) return { ...(await fn()), replayed: false };
    const requestHash = createHash('sha256')
      .update(`${operation}\n${canonicalJson(request)}`)
      .digest('hex');
    const claim = await this.repo.claim({
      account: p.account,
      key,
      userId: p.userId,
      requestHash,
      expiresAt: new Date(Date.now() + this.ttlSeconds * 1000),
    });
    if (claim !== 'claimed') return this.replay<T>(claim, requestHash);
    try {
      const result = await fn();
      await this.repo.complete(p.account, key, result.status, result.body, result.resourceId);
      return { ...result, replayed: false };
    } catch (err) {
      // A refused request created nothing: free the key so a corrected retry can use it.
      // When the outcome is unknown (server fault) the key is freed too; the record the
      // service kept for reconciliation is found by refresh or sync, not duplicated.
      if (err instanceof AppError || err instanceof Error) await this.repo.release(p.account, key);
      throw err;
    }
  }

  private replay<T>(row: IdempotencyRow, requestHash: string): IdempotentResult<T> {
    if (row.requestHash !== requestHash) {
      throw new ConflictError('Idempotency-Key was already used for a different request');
    }
    if (row.state !== 'done' || row.statusCode === null) {
      throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly');
    }
    return { status: 200, body: row.response as T, replayed: true };
  }
}
