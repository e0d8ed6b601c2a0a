import { AppError, ConflictError, InternalError } from '../errors/index.js';

/** PostgreSQL SQLSTATEs of constraint violations, as pg and PGlite both report them (`code`). */
const CONFLICTS: Record<string, string> = {
  '23505': 'already exists',
  '23503': 'is still referenced by other resources, or references one that does not exist',
};

/**
 * Translates the database's errors into AppErrors, once, at the repository boundary: unique
 * and foreign-key violations → Conflict, anything else → Internal with the cause kept for
 * logs. An outage is already a DatabaseUnavailableError (outage-dialect.ts) and passes.
 */
export function fromDatabaseError(err: unknown, what = 'Resource'): AppError {
  if (err instanceof AppError) return err;
  const code = err !== null && typeof err === 'object' && 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && CONFLICTS[code])
    return new ConflictError(`${what} ${CONFLICTS[code]}`, { cause: err });
  return new InternalError('Database operation failed', { cause: err });
}

/** Runs a repository operation, translating whatever the database throws. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromDatabaseError(err, what);
  }
}
