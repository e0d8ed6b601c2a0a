import type { AppError, ErrorCode } from './app-error.js';

/**
 * How an AppError is sent over the AWS JSON 1.1 wire (`{"__type", "message"}`).
 * An error raised with an explicit AWS name keeps it; otherwise the generic code picks
 * the closest AWS exception. AWS KMS answers client faults with 400 and its own
 * failures with 500 (KMSInternalException) or 503 (DependencyTimeoutException).
 */
const DEFAULT_AWS_NAME: Record<ErrorCode, string> = {
  ValidationError: 'ValidationException',
  Unauthenticated: 'UnrecognizedClientException',
  Forbidden: 'AccessDeniedException',
  NotFound: 'NotFoundException',
  Conflict: 'AlreadyExistsException',
  KeyDisabled: 'DisabledException',
  KeyState: 'KMSInvalidStateException',
  InvalidKeyUsage: 'InvalidKeyUsageException',
  InvalidCiphertext: 'InvalidCiphertextException',
  LimitExceeded: 'LimitExceededException',
  Unsupported: 'UnsupportedOperationException',
  PayloadTooLarge: 'ValidationException',
  RateLimited: 'ThrottlingException',
  ProviderUnavailable: 'KMSInternalException',
  ProviderTimeout: 'DependencyTimeoutException',
  ProviderFailure: 'KMSInternalException',
  DatabaseUnavailable: 'DependencyTimeoutException',
  Internal: 'KMSInternalException',
};

const STATUS_BY_NAME: Record<string, number> = {
  KMSInternalException: 500,
  InternalFailure: 500,
  CloudHsmInternalFailureException: 500,
  DependencyTimeoutException: 503,
  ServiceUnavailableException: 503,
  UnrecognizedClientException: 400,
  AccessDeniedException: 400,
  ThrottlingException: 400,
  IncompleteSignature: 403,
  InvalidSignatureException: 400,
  SignatureDoesNotMatch: 403,
};

export interface KmsWireError {
  __type: string;
  message: string;
  httpStatus: number;
}

export function toKmsWireError(err: AppError): KmsWireError {
  const type = err.awsName ?? DEFAULT_AWS_NAME[err.code];
  const httpStatus = STATUS_BY_NAME[type] ?? (err.fault === 'server' ? 500 : 400);
  const message = err.code === 'Internal' ? 'An internal error occurred' : err.message;
  return { __type: type, message, httpStatus };
}
