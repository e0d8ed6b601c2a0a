import { AppError, ConflictError, InternalError, NotFoundError } from '../errors/index.js';

interface PrismaKnownError {
  code: string;
  meta?: { target?: unknown; field_name?: unknown; modelName?: unknown; driverAdapterError?: unknown };
}

function isKnown(err: unknown): err is PrismaKnownError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    && /^P\d{4}$/.test((err as { code: string }).code);
}

/**
 * Translates Prisma's errors into AppErrors, once, at the repository boundary:
 * unique violation → Conflict, missing row → NotFound, foreign-key violation →
 * Conflict (still referenced), anything else → Internal with the cause kept for logs.
 */
export function fromPrismaError(err: unknown, what = 'Resource'): AppError {
  if (err instanceof AppError) return err;
  if (isKnown(err)) {
    if (err.code === 'P2002') return new ConflictError(`${what} already exists`, { cause: err });
    if (err.code === 'P2025') return new NotFoundError(`${what} not found`, { cause: err });
    if (err.code === 'P2003') return new ConflictError(`${what} is still referenced by other resources`, { cause: err });
  }
  return new InternalError('Database operation failed', { cause: err });
}

/** Runs a repository operation, translating whatever Prisma throws. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromPrismaError(err, what);
  }
}

/** PostgreSQL SQLSTATEs of constraint violations, as raised through pg or PGlite. */
const PG_CONFLICTS: Record<string, string> = {
  '23505': 'already exists',
  '23503': 'references a resource that does not exist, or is still referenced',
};

/**
 * Runs a raw SQL repository operation, translating the driver's errors like Prisma's:
 * unique / foreign-key violations → Conflict, anything else → Internal with the cause.
 */
export async function guardSql<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && PG_CONFLICTS[code]) throw new ConflictError(`${what} ${PG_CONFLICTS[code]}`, { cause: err });
    throw new InternalError('Database operation failed', { cause: err });
  }
}
