import { AppError, type AppErrorOptions, type ErrorDetail } from './app-error.js';

/** Bad input: a field is missing, malformed, out of range, or conflicts with another. */
export class ValidationError extends AppError {
  readonly code = 'ValidationError' as const;
  readonly fault = 'client' as const;

  /** A validation error about one field, with the field named in the message. */
  static field(field: string, message: string, options: AppErrorOptions = {}): ValidationError {
    return new ValidationError(`${field}: ${message}`, { ...options, details: [{ field, message }] });
  }

  /** Several invalid fields at once. */
  static fields(details: ErrorDetail[]): ValidationError {
    const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
    return new ValidationError(summary, { details });
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'Unauthenticated' as const;
  readonly fault = 'client' as const;
}

export class ForbiddenError extends AppError {
  readonly code = 'Forbidden' as const;
  readonly fault = 'client' as const;
}

export class NotFoundError extends AppError {
  readonly code = 'NotFound' as const;
  readonly fault = 'client' as const;
}

/** A unique name is taken, the resource is still referenced, or a concurrent change won. */
export class ConflictError extends AppError {
  readonly code = 'Conflict' as const;
  readonly fault = 'client' as const;
}

export class KeyDisabledError extends AppError {
  readonly code = 'KeyDisabled' as const;
  readonly fault = 'client' as const;
}

/** The resource's state does not allow the operation (AWS KMSInvalidStateException). */
export class KeyStateError extends AppError {
  readonly code = 'KeyState' as const;
  readonly fault = 'client' as const;
}

export class InvalidKeyUsageError extends AppError {
  readonly code = 'InvalidKeyUsage' as const;
  readonly fault = 'client' as const;
}

export class InvalidCiphertextError extends AppError {
  readonly code = 'InvalidCiphertext' as const;
  readonly fault = 'client' as const;
}

export class LimitExceededError extends AppError {
  readonly code = 'LimitExceeded' as const;
  readonly fault = 'client' as const;
}

export class UnsupportedOperationError extends AppError {
  readonly code = 'Unsupported' as const;
  readonly fault = 'client' as const;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'PayloadTooLarge' as const;
  readonly fault = 'client' as const;
}

export class RateLimitedError extends AppError {
  readonly code = 'RateLimited' as const;
  readonly fault = 'client' as const;
  /** When a retry may succeed, in whole seconds: the answer's Retry-After header. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: AppErrorOptions & { retryAfterSeconds?: number } = {}) {
    super(message, options);
    if (options.retryAfterSeconds !== undefined)
      this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds));
  }
}

/** A dependency (KMS endpoint, STS, database) could not be reached or refused service. */
export class ProviderUnavailableError extends AppError {
  readonly code = 'ProviderUnavailable' as const;
  readonly fault = 'server' as const;
}

export class ProviderTimeoutError extends AppError {
  readonly code = 'ProviderTimeout' as const;
  readonly fault = 'server' as const;
}

/** The provider answered with a server-side failure (5xx, KMSInternalException). */
export class ProviderFailureError extends AppError {
  readonly code = 'ProviderFailure' as const;
  readonly fault = 'server' as const;
}

/**
 * opencckm's own database cannot be reached (refused, reset, shut down, pool exhausted):
 * a transient server fault, answered 503 with Retry-After, never 500.
 */
export class DatabaseUnavailableError extends AppError {
  readonly code = 'DatabaseUnavailable' as const;
  readonly fault = 'server' as const;
}

export class InternalError extends AppError {
  readonly code = 'Internal' as const;
  readonly fault = 'server' as const;
}
