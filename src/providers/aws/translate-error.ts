import {
  AppError,
  awsError,
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

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

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
    return new ProviderUnavailableError(`${what} failed: endpoint unreachable${code ? ` (${code})` : ''}`, { cause: err });
  }
  const known = e.name && e.name !== 'Error' && e.name !== 'Unknown' && e.name !== 'UnknownError';
  const name = known ? e.name! : status >= 500 ? 'InternalFailure' : 'ValidationException';
  return awsError(name, e.message || name, { cause: err, ...(e.$metadata?.requestId ? { awsRequestId: e.$metadata.requestId } : {}) });
}
