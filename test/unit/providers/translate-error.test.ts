import { fromAwsError } from '../../../src/providers/aws/translate-error.js';

describe('fromAwsError', () => {
  it('keeps the AWS exception name and request id of a service error', () => {
    const err = fromAwsError(
      Object.assign(new Error('Alias alias/x already exists'), {
        name: 'AlreadyExistsException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'req-9' },
      }),
      'KMS CreateAlias',
    );
    expect(err).toMatchObject({
      code: 'Conflict',
      awsName: 'AlreadyExistsException',
      awsRequestId: 'req-9',
      fault: 'client',
    });
  });

  it('maps throttling, 5xx and dependency timeouts to their kinds', () => {
    const svc = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(fromAwsError(svc('ThrottlingException', 400), 'x').code).toBe('RateLimited');
    expect(fromAwsError(svc('KMSInternalException', 500), 'x').code).toBe('ProviderFailure');
    expect(fromAwsError(svc('DependencyTimeoutException', 503), 'x').code).toBe('ProviderTimeout');
    expect(fromAwsError(svc('Error', 502), 'x')).toMatchObject({ code: 'ProviderFailure', awsName: 'InternalFailure' });
  });

  it('treats errors that never reached the service as unavailable or timed out', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 1 },
    });
    expect(fromAwsError(refused, 'KMS ListKeys')).toMatchObject({
      code: 'ProviderUnavailable',
      message: 'KMS ListKeys failed: endpoint unreachable (ECONNREFUSED)',
    });
    expect(
      fromAwsError(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'KMS ListKeys').code,
    ).toBe('ProviderTimeout');
  });

  it('never repeats the text of an answer that is not an AWS error (SSRF: the endpoint may be anything)', () => {
    const SECRET = 'internal-secret-7f3a';
    const svc = (name: string, message: string, status: number) =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    for (const err of [
      svc('UnknownError', `<html><body>${SECRET}</body></html>`, 500),
      svc('Unknown', `{"message":"${SECRET}"}`, 403),
      svc('SomeInternalServiceFault', SECRET, 400),
      svc('SyntaxError', `Unexpected token < in JSON at position 0: ${SECRET}`, 200),
      svc('NotFoundException', `<html>${SECRET}</html>`, 400),
    ]) {
      const e = fromAwsError(err, 'KMS ListKeys');
      expect(e.message).not.toContain(SECRET);
      expect(e.message).toContain('KMS ListKeys failed');
    }
    expect(fromAwsError(svc('SomeInternalServiceFault', SECRET, 502), 'x')).toMatchObject({
      code: 'ProviderFailure',
      awsName: 'InternalFailure',
    });
    // AWS's own exceptions keep their message.
    expect(fromAwsError(svc('NotFoundException', 'Key arn:aws:kms:x is not found.', 400), 'x')).toMatchObject({
      awsName: 'NotFoundException',
      message: 'Key arn:aws:kms:x is not found.',
    });
    expect(
      fromAwsError(svc('ExpiredTokenException', 'The security token included in the request is expired', 400), 'x')
        .message,
    ).toContain('expired');
  });
});
