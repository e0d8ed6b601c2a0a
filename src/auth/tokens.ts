import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import jwt from 'jsonwebtoken';
import { UnauthenticatedError } from '../errors/index.js';
import type { Principal } from './principal.js';

/** Our own tokens are HS256; external issuers may use these asymmetric algorithms. `none` never. */
const OWN_ALGORITHMS = ['HS256'];
const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const MAX_CACHED = 10_000;

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  externalIssuers: readonly { issuer: string; jwksUrl: string; audience: string }[];
}

export interface IssuedToken {
  jwt: string;
  duration: number;
}

/** The claims we put in a token, shaped like the original product's (`acc`, `cust.groups`). */
interface OwnClaims extends JWTPayload {
  acc?: unknown;
  preferred_username?: unknown;
  cust?: { groups?: unknown; sid?: unknown };
}

/**
 * Issues access tokens with jsonwebtoken and verifies every bearer token with jose:
 * algorithm allowlist, signature, `exp`/`nbf`/`iss`/`aud`, and the claims we need.
 */
export class TokenService {
  private readonly external: { issuer: string; audience: string; jwks: ReturnType<typeof createRemoteJWKSet> }[];
  /**
   * Tokens already verified, until they expire: a token is immutable, so its signature
   * and claims need checking once. Keyed by the whole token; bounded.
   */
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(
    private readonly signingKey: Buffer,
    private readonly settings: TokenSettings,
  ) {
    this.external = settings.externalIssuers.map((e) => ({
      issuer: e.issuer,
      audience: e.audience,
      jwks: createRemoteJWKSet(new URL(e.jwksUrl)),
    }));
  }

  issue(p: Principal, sessionId: string): IssuedToken {
    const token = jwt.sign(
      { acc: p.account, preferred_username: p.username, cust: { groups: [...p.groups], sid: sessionId } },
      this.signingKey,
      {
        algorithm: 'HS256',
        subject: p.userId,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        expiresIn: this.settings.ttlSeconds,
        notBefore: 0,
        jwtid: randomUUID(),
      },
    );
    return { jwt: token, duration: this.settings.ttlSeconds };
  }

  /**
   * @throws UnauthenticatedError for any token that is not ours (or a trusted issuer's),
   *   expired, not yet valid, for another audience, tampered, or missing claims.
   */
  async verify(token: string): Promise<Principal> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return hit.principal;
      this.verified.delete(token);
    }
    return this.verifyUncached(token);
  }

  private async verifyUncached(token: string): Promise<Principal> {
    const issuer = this.peekIssuer(token);
    const ext = this.external.find((e) => e.issuer === issuer);
    try {
      const { payload } = ext
        ? await jwtVerify(token, ext.jwks, { issuer: ext.issuer, audience: ext.audience, algorithms: EXTERNAL_ALGORITHMS })
        : await jwtVerify(token, this.signingKey, {
            issuer: this.settings.issuer,
            audience: this.settings.audience,
            algorithms: OWN_ALGORITHMS,
            requiredClaims: ['sub', 'exp', 'iat'],
          });
      const principal = toPrincipal(payload as OwnClaims);
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= MAX_CACHED) this.verified.clear();
        this.verified.set(token, { principal, exp: payload.exp });
      }
      return principal;
    } catch (err) {
      if (err instanceof UnauthenticatedError) throw err;
      throw new UnauthenticatedError(describeJoseError(err), { cause: err });
    }
  }

  private peekIssuer(token: string): string | undefined {
    const part = token.split('.')[1];
    if (!part) return undefined;
    try {
      const iss = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { iss?: unknown }).iss;
      return typeof iss === 'string' ? iss : undefined;
    } catch {
      return undefined;
    }
  }
}

function toPrincipal(c: OwnClaims): Principal {
  const groups = Array.isArray(c.cust?.groups) ? c.cust.groups : (c as { groups?: unknown }).groups;
  if (typeof c.sub !== 'string' || typeof c.acc !== 'string' || !Array.isArray(groups)) {
    throw new UnauthenticatedError('Token lacks the subject, account or groups claims');
  }
  return {
    userId: c.sub,
    username: typeof c.preferred_username === 'string' ? c.preferred_username : c.sub,
    account: c.acc,
    groups: groups.filter((g): g is string => typeof g === 'string'),
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'Token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `Token claim "${err.claim}" is not valid`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is not valid';
  return 'Token is not valid';
}
