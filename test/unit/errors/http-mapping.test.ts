import {
  awsError,
  InternalError,
  NotFoundError,
  toErrorBody,
  httpStatusOf,
  toKmsWireError,
  ValidationError,
} from '../../../src/errors/index.js';

describe('REST error bodies', () => {
  it('maps a not-found error to 404 with the NCERR code users match on', () => {
    const err = new NotFoundError('Key 42 not found');
    expect(httpStatusOf(err)).toBe(404);
    expect(toErrorBody(err, 'req-1')).toEqual({
      code: 16,
      codeDesc: 'NCERRResourceNotFound: Resource not found',
      message: 'Key 42 not found',
      requestID: 'req-1',
    });
  });

  it('names the invalid field and lists details for validation errors', () => {
    const body = toErrorBody(ValidationError.field('aws_param.KeyUsage', 'must be one of ...'), 'r');
    expect(body.message).toBe('aws_param.KeyUsage: must be one of ...');
    expect(body.details).toEqual([{ field: 'aws_param.KeyUsage', message: 'must be one of ...' }]);
  });

  it('never shows the text of an internal error', () => {
    const body = toErrorBody(new InternalError('db password is hunter2'), 'r');
    expect(body.message).not.toContain('hunter2');
    expect(body.code).toBe(14);
  });

  it('keeps the AWS exception name in the message', () => {
    const err = awsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
    expect(httpStatusOf(err)).toBe(400);
    expect(toErrorBody(err, 'r').message).toMatch(/^MalformedPolicyDocumentException: /);
  });

  it("answers 502, not 401, when AWS refuses a connection's credentials", () => {
    const err = awsError('InvalidSignatureException', 'The request signature we calculated does not match');
    expect(httpStatusOf(err)).toBe(502);
    expect(toErrorBody(err, 'r')).toMatchObject({
      codeDesc: expect.stringMatching(/^NCERRBadGateway: /),
      message: expect.stringMatching(/^InvalidSignatureException: /),
    });
  });
});

describe('KMS wire errors', () => {
  it('sends the exact AWS name as __type with AWS status codes', () => {
    expect(toKmsWireError(awsError('NotFoundException', 'x'))).toEqual({
      __type: 'NotFoundException',
      message: 'x',
      httpStatus: 400,
    });
    expect(toKmsWireError(awsError('KMSInvalidStateException', 'y')).httpStatus).toBe(400);
    expect(toKmsWireError(awsError('DependencyTimeoutException', 'z')).httpStatus).toBe(503);
    expect(toKmsWireError(new InternalError('secret detail'))).toEqual({
      __type: 'KMSInternalException',
      message: 'An internal error occurred',
      httpStatus: 500,
    });
  });
});
