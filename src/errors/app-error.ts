/**
 * The one error hierarchy of opencckm. Every module throws these; foreign errors
 * (Prisma, the AWS SDK, the OpenAPI validator, jose) are translated once, at the
 * boundary where they enter. Messages are safe to show to users: they never carry key
 * material, plaintext, passwords or tokens, and never echo input values.
 */

export type ErrorCode =
  | 'ValidationError'
  | 'Unauthenticated'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'KeyDisabled'
  | 'KeyState'
  | 'InvalidKeyUsage'
  | 'InvalidCiphertext'
  | 'LimitExceeded'
  | 'Unsupported'
  | 'PayloadTooLarge'
  | 'RateLimited'
  | 'ProviderUnavailable'
  | 'ProviderTimeout'
  | 'ProviderFailure'
  | 'DatabaseUnavailable'
  | 'Internal';

/** One invalid field: a JSON path (`aws_param.KeySpec`) and what is wrong with it. */
export interface ErrorDetail {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  cause?: unknown;
  /**
   * The AWS exception name (`NotFoundException`, `KMSInvalidStateException`, ...) when
   * the error comes from, or is raised as, a KMS/CloudHSM/STS API error. The emulator's
   * wire endpoint sends it as `__type`; the REST API keeps it in the message.
   */
  awsName?: string;
  /** AWS request id of the failed call, when a provider reported one. */
  awsRequestId?: string;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly fault: 'client' | 'server';
  readonly details?: ErrorDetail[];
  readonly awsName?: string;
  readonly awsRequestId?: string;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.details) this.details = options.details;
    if (options.awsName) this.awsName = options.awsName;
    if (options.awsRequestId) this.awsRequestId = options.awsRequestId;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * What a job records of a failure, per key or unit: AWS's exception name and message for an
 * AppError; nothing of an unexpected error, whose details may hold internals and go to the
 * service log instead.
 */
export function failureReason(err: unknown): string {
  if (err instanceof AppError) return `${err.awsName ? `${err.awsName}: ` : ''}${err.message}`;
  return 'internal error (see the service log)';
}
