import { AppError, DatabaseUnavailableError } from '../errors/index.js';

/** Socket errors of a server that is down, restarting or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a lost server: class 08 (connection exception: 08000, 08001, 08003, 08004,
 * 08006, ...), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up or shutting down), 53300 too_many_connections.
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/** node-postgres' own errors, which carry no code. */
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (shutting down|starting up)/i;

/**
 * True when `err` (or its cause chain) says the database server could not be reached or
 * dropped the connection: a transient outage, not a fault of the query. The one list of
 * these signs, for node-postgres (PGlite runs in the process and has none).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  if (err instanceof DatabaseUnavailableError) return true;
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (code && (SOCKET_CODES.has(code) || SQLSTATE.test(code))) return true;
  if ('message' in err && typeof err.message === 'string' && PG_MESSAGES.test(err.message)) return true;
  return 'cause' in err && isDatabaseUnavailable(err.cause, depth + 1);
}

/** `err` as a DatabaseUnavailableError when it is an outage, else unchanged (for the next translator). */
export function translateOutage(err: unknown): unknown {
  if (err instanceof AppError || !isDatabaseUnavailable(err)) return err;
  return new DatabaseUnavailableError('The database is unavailable; retry shortly', { cause: err });
}

/** Runs a database call, turning an outage into DatabaseUnavailableError. */
export async function outageGuard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateOutage(err);
  }
}
