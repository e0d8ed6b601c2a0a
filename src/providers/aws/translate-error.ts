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

/**
 * Translates whatever the AWS SDK threw into an AppError, keeping AWS's exception name
 * and request id. Network failures become ProviderUnavailable, timeouts ProviderTimeout.
 */
export function fromAwsError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const code = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT' || e.name === 'RequestTimeout' || e.name === 'AbortError') {
    return new ProviderTimeoutError(`${what} timed out`, { cause: err });
  }
  if (code && NETWORK_CODES.has(code)) {
    return new ProviderUnavailableError(`${what} failed: endpoint unreachable (${code})`, { cause: err });
  }
  if (e.$metadata && e.name) {
    const status = e.$metadata.httpStatusCode;
    const name = e.name === 'Error' || e.name === 'Unknown' ? (status && status >= 500 ? 'InternalFailure' : 'ValidationException') : e.name;
    return awsError(name, e.message || name, { cause: err, ...(e.$metadata.requestId ? { awsRequestId: e.$metadata.requestId } : {}) });
  }
  return new ProviderUnavailableError(`${what} failed: ${e.name ?? 'unknown error'}`, { cause: err });
}
