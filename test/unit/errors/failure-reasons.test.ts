/**
 * What jobs record of a failure and what a simulated AWS service answers for an unexpected
 * error: AWS's names and messages only, never an internal error's text.
 */
import { asServiceError, awsError, failureReason, NotFoundError } from '../../../src/errors/index.js';

describe('failureReason', () => {
  it("records AWS's exception name and message, or the message alone", () => {
    expect(failureReason(awsError('DisabledException', 'arn:aws:kms:… is disabled.'))).toBe(
      'DisabledException: arn:aws:kms:… is disabled.',
    );
    expect(failureReason(new NotFoundError('Key k-1 not found'))).toBe('Key k-1 not found');
  });
  it('keeps an unexpected error out of the record (its text may hold internals)', () => {
    const reason = failureReason(new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2'));
    expect(reason).toBe('internal error (see the service log)');
    expect(failureReason('a thrown string')).toBe('internal error (see the service log)');
  });
});

describe('asServiceError', () => {
  const internal = {
    awsName: 'KMSInternalException',
    message: 'The request was rejected because an internal exception occurred.',
  };
  it('lets an AppError through unchanged', () => {
    const e = awsError('NotFoundException', 'Key not found');
    expect(asServiceError(e, internal)).toBe(e);
  });
  it("answers anything else as the service's internal exception, keeping the cause for the log", () => {
    const cause = new Error('store write failed');
    const e = asServiceError(cause, internal);
    expect(e.awsName).toBe('KMSInternalException');
    expect(e.message).toBe(internal.message);
    expect(e.message).not.toContain('store write failed');
    expect(e.cause).toBe(cause);
  });
});
