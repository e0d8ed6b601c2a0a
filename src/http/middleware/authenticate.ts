import type { NextFunction, Request, Response } from 'express';
import type { TokenService } from '../../auth/tokens.js';
import { UnauthenticatedError } from '../../errors/index.js';

/** Paths under /api/v1 (as seen by middleware mounted there) that need no token. */
const PUBLIC = new Set(['/auth/tokens', '/auth/revoke', '/openapi.yaml']);

/**
 * Verifies the bearer token (jose) and attaches the principal: for our own tokens, the
 * user as it is now (TokenService checks it exists, is enabled and has the token's version).
 */
export function authenticate(tokens: TokenService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (PUBLIC.has(req.path.toLowerCase())) return next();
    const header = req.get('authorization');
    const match = header?.match(/^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/);
    if (!header)
      throw new UnauthenticatedError(
        'Missing Authorization header; send "Authorization: Bearer <jwt>" (get one from POST /api/v1/auth/tokens)',
      );
    if (!match?.[1] || header.length > 8192)
      throw new UnauthenticatedError('Authorization header must be "Bearer <jwt>"');
    req.principal = await tokens.verify(match[1]);
    next();
  };
}
