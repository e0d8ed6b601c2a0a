import { DatabaseUnavailableError, httpStatusOf, InternalError, toErrorBody } from '../../../src/errors/index.js';
import { fromDatabaseError } from '../../../src/db/constraint-errors.js';
import { isDatabaseUnavailable, outageGuard, translateOutage } from '../../../src/db/db-errors.js';

describe('db-errors: a lost database is told apart from a failed query', () => {
  it.each([
    [
      'pg: connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['pg: connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    [
      'pg: admin shutdown (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['pg: crash shutdown (57P02)', Object.assign(new Error('x'), { code: '57P02' })],
    ['pg: starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['pg: connection failure (08006)', Object.assign(new Error('x'), { code: '08006' })],
    ['pg: connection does not exist (08003)', Object.assign(new Error('x'), { code: '08003' })],
    ['pg: terminated, no code', new Error('Connection terminated unexpectedly')],
    ['pg pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['too many connections (53300)', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['wrapped as a cause', new Error('outer', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })],
  ])('%s is an outage', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    const translated = translateOutage(err);
    expect(translated).toBeInstanceOf(DatabaseUnavailableError);
    expect((translated as Error).cause).toBe(err);
  });

  it.each([
    ['unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a plain error', new Error('boom')],
    ['an AppError', new InternalError('x')],
  ])('%s is not', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(translateOutage(err)).toBe(err);
  });

  it('outageGuard rethrows outages as DatabaseUnavailableError, answered 503 NCERRServiceUnavailable', async () => {
    const err = await outageGuard(() => Promise.reject(Object.assign(new Error('x'), { code: '57P01' }))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    const appErr = err as DatabaseUnavailableError;
    expect(httpStatusOf(appErr)).toBe(503);
    expect(toErrorBody(appErr, 'rid')).toMatchObject({
      code: 17,
      codeDesc: 'NCERRServiceUnavailable: Database unavailable',
      requestID: 'rid',
    });
  });
});

describe('constraint-errors: refusals of the database become AppErrors by SQLSTATE', () => {
  it.each([
    ['23505 unique violation', '23505', 409, 'Key record already exists'],
    [
      '23503 foreign-key violation',
      '23503',
      409,
      'Key record is still referenced by other resources, or references one that does not exist',
    ],
    ['42601 syntax error', '42601', 500, 'Database operation failed'],
  ])('%s', (_what, code, status, message) => {
    const cause = Object.assign(new Error('from the driver'), { code });
    const err = fromDatabaseError(cause, 'Key record');
    expect(httpStatusOf(err)).toBe(status);
    expect(err.message).toBe(message);
    expect(err.cause).toBe(cause);
  });

  it('an AppError (an outage already translated) passes unchanged', () => {
    const outage = new DatabaseUnavailableError('down');
    expect(fromDatabaseError(outage)).toBe(outage);
  });
});
