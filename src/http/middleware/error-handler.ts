import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import {
  AppError,
  httpStatusOf,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  toErrorBody,
  UnsupportedOperationError,
  ValidationError,
  type ErrorDetail,
} from '../../errors/index.js';

interface ValidatorError {
  status?: number;
  message?: string;
  errors?: { path?: string; message?: string }[];
  type?: string;
}

/** `/body/aws_param/KeyUsage` → `aws_param.KeyUsage`; `/query/limit` → `limit`. */
function fieldOf(path: string | undefined): string {
  return (
    (path ?? '')
      .replace(/^\.?\/?(body|query|params|path|headers)(\/|\.|$)/, '')
      .replace(/^\//, '')
      .replace(/\//g, '.') || 'body'
  );
}

/**
 * Translates errors from outside our hierarchy (the OpenAPI validator, the JSON body
 * parser) into AppErrors, once, here at the edge.
 */
function fromHttpError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as ValidatorError;
  if (e.type === 'entity.too.large' || e.status === 413) return new PayloadTooLargeError('Request body is too large');
  if (e.type === 'entity.parse.failed') return ValidationError.field('body', 'is not valid JSON');
  if (e.type === 'encoding.unsupported')
    return ValidationError.field('Content-Encoding', 'must be gzip, deflate, br or identity');
  if (e.type === 'charset.unsupported')
    return ValidationError.field('Content-Type', 'the charset of a JSON body must be utf-8');
  // The body parser's 400s without validation items: a body not encoded as Content-Encoding says (zlib), cut short, or of the wrong length.
  if (
    e.status === 400 &&
    !Array.isArray(e.errors) &&
    (e.type !== undefined || typeof (e as { errno?: unknown }).errno === 'number')
  ) {
    return ValidationError.field(
      'body',
      'could not be read: not encoded as its Content-Encoding says, or shorter than its Content-Length',
    );
  }
  if (e.status === 404) return new NotFoundError('No such API path');
  if (e.status === 405) return new NotFoundError(e.message ?? 'Method not allowed on this path');
  if (e.status === 415) return ValidationError.field('Content-Type', 'must be application/json');
  if (e.status === 400 && Array.isArray(e.errors)) {
    const details: ErrorDetail[] = e.errors.map((x) => ({
      field: fieldOf(x.path),
      message: x.message ?? 'is not valid',
    }));
    return ValidationError.fields(details);
  }
  if (e.status === 401) return new ValidationError('Unauthorized');
  if (e.status === 501) return new UnsupportedOperationError(e.message ?? 'Not implemented');
  return new InternalError('Unexpected error', { cause: err });
}

/** Retry-After of 503 answers: long enough for a pool to reconnect, short enough for clients. */
const RETRY_AFTER_SECONDS = 2;

/** The only place errors become HTTP responses. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appErr = fromHttpError(err);
    const status = httpStatusOf(appErr);
    if (appErr.fault === 'server') {
      logger.error({ err: appErr.cause ?? appErr, reqId: req.id, code: appErr.code }, appErr.message);
    } else {
      logger.info({ reqId: req.id, code: appErr.code, status, awsName: appErr.awsName }, appErr.message);
    }
    if (res.headersSent) return;
    // A 503 is transient (our database, or a dependency, is unavailable): say when to retry.
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    if (appErr instanceof RateLimitedError && appErr.retryAfterSeconds)
      res.setHeader('Retry-After', String(appErr.retryAfterSeconds));
    res.status(status).json(toErrorBody(appErr, req.id));
  };
}
