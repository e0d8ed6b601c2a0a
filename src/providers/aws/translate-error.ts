import {
  AppError,
  awsError,
  kindOfAwsError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from '../../errors/index.js';

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { requestId?: string; httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  'EOUTBOUNDPOLICY',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

/** Errors every AWS query/JSON service may answer without modelling them. */
const COMMON_AWS_NAMES = new Set([
  'AccessDeniedException',
  'IncompleteSignature',
  'InternalFailure',
  'InvalidAction',
  'InvalidClientTokenId',
  'InvalidParameterCombination',
  'InvalidParameterValue',
  'InvalidQueryParameter',
  'MalformedQueryString',
  'MissingAction',
  'MissingAuthenticationToken',
  'MissingParameter',
  'NotAuthorized',
  'OptInRequired',
  'RequestExpired',
  'ServiceUnavailable',
  'ThrottlingException',
  'UnrecognizedClientException',
  'ValidationError',
  'ValidationException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
]);
/** The loaded SDK modules whose exception classes name AWS errors (the provider loads them on first use). */
const SDK_MODULES: Record<string, unknown>[] = [];

/** Registers SDK modules whose exported Error classes are AWS exceptions (KMS and STS, once loaded). */
export function knowSdkErrors(...modules: object[]): void {
  for (const m of modules)
    if (!SDK_MODULES.includes(m as Record<string, unknown>)) SDK_MODULES.push(m as Record<string, unknown>);
}
/**
 * The CloudHSM v2 SDK's exceptions, by name: that SDK is loaded only when a CloudHSM call
 * is made (it costs most of a second to load), so its classes are not at hand here.
 */
const CLOUDHSM_NAMES = new Set([
  'CloudHSMV2ServiceException',
  'CloudHsmAccessDeniedException',
  'CloudHsmInternalFailureException',
  'CloudHsmInvalidRequestException',
  'CloudHsmResourceNotFoundException',
  'CloudHsmServiceException',
  'CloudHsmTagException',
]);

/**
 * An exception AWS documents: modelled by the KMS, STS or CloudHSM v2 SDK, mapped in
 * errors/aws-errors, or common to AWS services. Anything else did not come from AWS as we
 * know it (an HTML page, another service on the endpoint), and its text is not repeated.
 */
function isAwsName(name: string): boolean {
  if (!/^[A-Z][A-Za-z0-9]{2,99}$/.test(name) || name === 'UnknownError') return false;
  if (COMMON_AWS_NAMES.has(name) || CLOUDHSM_NAMES.has(name) || kindOfAwsError(name) !== 'ValidationError') return true;
  return SDK_MODULES.some((m) => {
    const ctor = m[name] as { prototype?: unknown } | undefined;
    return typeof ctor === 'function' && ctor.prototype instanceof Error;
  });
}

/** AWS messages are short; a longer one, or markup, is not repeated. */
function safeMessage(message: string | undefined): string | undefined {
  if (!message || message.length > 1024 || /[<>]/.test(message)) return undefined;
  return message;
}

/**
 * Translates whatever the AWS SDK threw into an AppError, keeping AWS's exception name
 * and request id. An error that carries no HTTP status never reached the service: a
 * timeout becomes ProviderTimeout, anything else (refused, reset, DNS) ProviderUnavailable.
 */
export function fromAwsError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const text = `${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`;
  const status = e.$metadata?.httpStatusCode;
  if (TIMEOUT_NAMES.has(e.name ?? '') || /\bETIMEDOUT\b|timed out|socket hang up/i.test(text)) {
    return new ProviderTimeoutError(`${what} timed out`, { cause: err });
  }
  if (status === undefined) {
    const code = [...NETWORK_CODES].find((c) => text.includes(c));
    return new ProviderUnavailableError(`${what} failed: endpoint unreachable${code ? ` (${code})` : ''}`, {
      cause: err,
    });
  }
  const requestId = e.$metadata?.requestId ? { awsRequestId: e.$metadata.requestId } : {};
  const message = e.name && isAwsName(e.name) ? safeMessage(e.message) : undefined;
  if (message !== undefined) return awsError(e.name!, message, { cause: err, ...requestId });
  // Not an AWS answer (or not one whose text we repeat): the name when AWS's, never the body.
  const name = e.name && isAwsName(e.name) ? e.name : status >= 500 ? 'InternalFailure' : 'ValidationException';
  return awsError(name, `${what} failed: the endpoint answered HTTP ${status} with an error that is not shown`, {
    cause: err,
    ...requestId,
  });
}
