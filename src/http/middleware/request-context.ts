import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../../auth/principal.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlates logs, audit events and error bodies; echoed as X-Request-ID. */
    id: string;
    principal?: Principal;
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes a well-formed X-Request-ID from the client, or makes one; sets safe response headers. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  req.id = given && CLIENT_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-ID', req.id);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (/^\/api\/v1(\/|$)/i.test(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
}
