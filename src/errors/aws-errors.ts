import { AppError, type AppErrorOptions, type ErrorCode } from './app-error.js';
import {
  ConflictError,
  DatabaseUnavailableError,
  ForbiddenError,
  InternalError,
  InvalidCiphertextError,
  InvalidKeyUsageError,
  KeyDisabledError,
  KeyStateError,
  LimitExceededError,
  NotFoundError,
  ProviderFailureError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthenticatedError,
  UnsupportedOperationError,
  ValidationError,
} from './errors.js';

/**
 * AWS exception names (KMS, CloudHSM v2, STS) → the generic kind they belong to.
 * Names not listed are client faults of kind ValidationError, as AWS's 400s are.
 */
const KIND_BY_AWS_NAME: Record<string, ErrorCode> = {
  NotFoundException: 'NotFound',
  CustomKeyStoreNotFoundException: 'NotFound',
  CloudHsmClusterNotFoundException: 'NotFound',
  CloudHsmResourceNotFoundException: 'NotFound',
  AlreadyExistsException: 'Conflict',
  CustomKeyStoreNameInUseException: 'Conflict',
  CloudHsmClusterInUseException: 'Conflict',
  XksProxyUriInUseException: 'Conflict',
  XksProxyUriEndpointInUseException: 'Conflict',
  XksProxyVpcEndpointServiceInUseException: 'Conflict',
  CustomKeyStoreHasCMKsException: 'Conflict',
  DisabledException: 'KeyDisabled',
  KMSInvalidStateException: 'KeyState',
  CustomKeyStoreInvalidStateException: 'KeyState',
  CloudHsmClusterNotActiveException: 'KeyState',
  CloudHsmClusterInvalidConfigurationException: 'ValidationError',
  CloudHsmInvalidRequestException: 'ValidationError',
  KeyUnavailableException: 'KeyState',
  ExpiredImportTokenException: 'ValidationError',
  InvalidKeyUsageException: 'InvalidKeyUsage',
  IncorrectKeyException: 'InvalidCiphertext',
  InvalidCiphertextException: 'InvalidCiphertext',
  KMSInvalidSignatureException: 'InvalidCiphertext',
  KMSInvalidMacException: 'InvalidCiphertext',
  LimitExceededException: 'LimitExceeded',
  UnsupportedOperationException: 'Unsupported',
  AccessDeniedException: 'Forbidden',
  /** STS's name (AssumeRole of a role the caller may not assume). */
  AccessDenied: 'Forbidden',
  CloudHsmAccessDeniedException: 'Forbidden',
  UnrecognizedClientException: 'Unauthenticated',
  InvalidClientTokenId: 'Unauthenticated',
  SignatureDoesNotMatch: 'Unauthenticated',
  InvalidSignatureException: 'Unauthenticated',
  IncompleteSignature: 'Unauthenticated',
  ExpiredToken: 'Unauthenticated',
  ExpiredTokenException: 'Unauthenticated',
  ThrottlingException: 'RateLimited',
  Throttling: 'RateLimited',
  TooManyRequestsException: 'RateLimited',
  RequestLimitExceeded: 'RateLimited',
  DependencyTimeoutException: 'ProviderTimeout',
  KMSInternalException: 'ProviderFailure',
  CloudHsmInternalFailureException: 'ProviderFailure',
  InternalFailure: 'ProviderFailure',
  ServiceUnavailableException: 'ProviderUnavailable',
  ServiceUnavailable: 'ProviderUnavailable',
};

const CONSTRUCTORS: Record<ErrorCode, new (message: string, options?: AppErrorOptions) => AppError> = {
  ValidationError,
  Unauthenticated: UnauthenticatedError,
  Forbidden: ForbiddenError,
  NotFound: NotFoundError,
  Conflict: ConflictError,
  KeyDisabled: KeyDisabledError,
  KeyState: KeyStateError,
  InvalidKeyUsage: InvalidKeyUsageError,
  InvalidCiphertext: InvalidCiphertextError,
  LimitExceeded: LimitExceededError,
  Unsupported: UnsupportedOperationError,
  PayloadTooLarge: ValidationError,
  RateLimited: RateLimitedError,
  ProviderUnavailable: ProviderUnavailableError,
  ProviderTimeout: ProviderTimeoutError,
  ProviderFailure: ProviderFailureError,
  DatabaseUnavailable: DatabaseUnavailableError,
  Internal: InternalError,
};

/** The generic kind of an AWS exception name. */
export function kindOfAwsError(awsName: string): ErrorCode {
  return KIND_BY_AWS_NAME[awsName] ?? 'ValidationError';
}

/**
 * Builds the AppError for an AWS exception, keeping its exact name. The emulator raises
 * its errors through this so that both the wire and the REST API see AWS's names.
 */
export function awsError(awsName: string, message: string, options: Omit<AppErrorOptions, 'awsName'> = {}): AppError {
  const Ctor = CONSTRUCTORS[kindOfAwsError(awsName)];
  return new Ctor(message, { ...options, awsName });
}

/**
 * An error as it leaves a simulated AWS service: an AppError as it is; anything else (a store
 * failure, a bug) as the service's own internal exception, its cause kept for the log.
 */
export function asServiceError(err: unknown, internal: { awsName: string; message: string }): AppError {
  if (err instanceof AppError) return err;
  return awsError(internal.awsName, internal.message, { cause: err });
}
