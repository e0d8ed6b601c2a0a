import { RateLimitedError } from '../../errors/index.js';

/** The 429 of an account that already has `max` jobs in progress (CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT). */
export function jobQuotaError(max: number): RateLimitedError {
  return new RateLimitedError(
    `This account already has ${max} synchronization or bulk jobs in progress (CCKM_JOBS_MAX_ACTIVE_PER_ACCOUNT=${max}); wait for one to finish or cancel one`,
    { retryAfterSeconds: 30 },
  );
}
