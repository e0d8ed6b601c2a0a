import { AppError, type ErrorCode, type ErrorDetail } from './app-error.js';

/**
 * The REST error body, Thales CCKM style: clients detect errors by `codeDesc`.
 * `code` is a small stable integer per kind; `codeDesc` is `NCERR<Name>: <text>`.
 */
export interface ErrorBody {
  code: number;
  codeDesc: string;
  message: string;
  requestID: string;
  details?: ErrorDetail[];
}

interface HttpMapping {
  status: number;
  code: number;
  ncerr: string;
  text: string;
}

const HTTP: Record<ErrorCode, HttpMapping> = {
  ValidationError: { status: 400, code: 2, ncerr: 'NCERRBadRequest', text: 'Bad HTTP request' },
  Unauthenticated: { status: 401, code: 5, ncerr: 'NCERRUnauthorizedAccess', text: 'Unauthorized access' },
  Forbidden: { status: 403, code: 6, ncerr: 'NCERRForbidden', text: 'Insufficient permissions' },
  NotFound: { status: 404, code: 16, ncerr: 'NCERRResourceNotFound', text: 'Resource not found' },
  Conflict: { status: 409, code: 9, ncerr: 'NCERRConflict', text: 'Conflict with the current state' },
  KeyDisabled: { status: 409, code: 9, ncerr: 'NCERRConflict', text: 'Key is disabled' },
  KeyState: { status: 409, code: 9, ncerr: 'NCERRConflict', text: 'Invalid state for this request' },
  InvalidKeyUsage: { status: 400, code: 2, ncerr: 'NCERRBadRequest', text: 'Key usage does not allow this operation' },
  InvalidCiphertext: { status: 400, code: 2, ncerr: 'NCERRBadRequest', text: 'Invalid ciphertext' },
  LimitExceeded: { status: 422, code: 12, ncerr: 'NCERRLimitExceeded', text: 'Limit exceeded' },
  Unsupported: { status: 422, code: 13, ncerr: 'NCERRUnsupportedOperation', text: 'Operation not supported' },
  PayloadTooLarge: { status: 413, code: 2, ncerr: 'NCERRBadRequest', text: 'Request body too large' },
  RateLimited: { status: 429, code: 15, ncerr: 'NCERRTooManyRequests', text: 'Too many requests' },
  ProviderUnavailable: { status: 503, code: 17, ncerr: 'NCERRServiceUnavailable', text: 'Dependency unavailable' },
  ProviderTimeout: { status: 504, code: 18, ncerr: 'NCERRGatewayTimeout', text: 'Dependency timed out' },
  ProviderFailure: { status: 502, code: 19, ncerr: 'NCERRBadGateway', text: 'Dependency failed' },
  DatabaseUnavailable: { status: 503, code: 17, ncerr: 'NCERRServiceUnavailable', text: 'Database unavailable' },
  Internal: { status: 500, code: 14, ncerr: 'NCERRInternalServerError', text: 'Internal server error' },
};

/**
 * AWS refusing the credentials of a *connection* is not the caller's authentication
 * failing: answering 401 would make clients drop their own valid token. It is an
 * upstream failure (502), with AWS's exception name kept in the message.
 */
function mappingOf(err: AppError): HttpMapping {
  if (err.code === 'Unauthenticated' && err.awsName) return UPSTREAM_AUTH;
  return HTTP[err.code];
}

const UPSTREAM_AUTH: HttpMapping = {
  status: 502,
  code: 19,
  ncerr: 'NCERRBadGateway',
  text: "AWS refused the connection's credentials",
};

export function httpStatusOf(err: AppError): number {
  return mappingOf(err).status;
}

/**
 * Builds the response body. Server faults never expose their message: it may name
 * internals. AWS errors keep their exception name in the message so scripts can match it.
 */
export function toErrorBody(err: AppError, requestId: string): ErrorBody {
  const m = mappingOf(err);
  const message =
    err.fault === 'server' && err.code === 'Internal'
      ? 'An internal error occurred; quote the request id when reporting it'
      : err.awsName && !err.message.includes(err.awsName)
        ? `${err.awsName}: ${err.message}`
        : err.message;
  const body: ErrorBody = { code: m.code, codeDesc: `${m.ncerr}: ${m.text}`, message, requestID: requestId };
  if (err.details?.length) body.details = err.details;
  return body;
}
