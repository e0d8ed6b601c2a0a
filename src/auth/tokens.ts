import { randomUUID } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { UnauthenticatedError } from '../errors/index.js';
import type { Principal } from './principal.js';
import type { UserStateCache } from './user-state.js';
import type { Config } from '../config/config.js';

/** Our own tokens are HS256; external issuers may use these asymmetric algorithms. `none` never. */
const OWN_ALGORITHMS = ['HS256'];
const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const MAX_CACHED = 10_000;

/**
 * An identity provider whose tokens are accepted. Its users have no local row: the account
 * (tenant) and the groups come from this configuration, never from the token's `acc` or
 * group claims, so an issuer cannot grant more than it was configured for.
 */
export type ExternalIssuer = Config['jwt']['externalIssuers'][number];

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  externalIssuers: readonly ExternalIssuer[];
}

export interface TokenServiceOptions {
  /** The current state of local users; without it our tokens are trusted as signed (tests of signing only). */
  userState?: Pick<UserStateCache, 'get'>;
  /** How an external issuer's keys are fetched (default: its JWKS URL, cached by jose). */
  jwks?: (issuer: ExternalIssuer) => JWTVerifyGetKey;
}

export interface IssuedToken {
  jwt: string;
  duration: number;
}

/** The claims we put in a token, shaped like the original product's (`acc`, `cust.groups`), plus `ver`. */
interface OwnClaims extends JWTPayload {
  acc?: unknown;
  preferred_username?: unknown;
  /** The user's token version when the token was issued. */
  ver?: unknown;
  cust?: { groups?: unknown; sid?: unknown };
}

/** What a signature-verified token says; for our own tokens it is still checked against the user. */
type Verified = { kind: 'own'; principal: Principal; version: number } | { kind: 'external'; principal: Principal };

/**
 * Issues access tokens (HS256) and verifies every bearer token with jose:
 * algorithm allowlist, signature, `exp`/`nbf`/`iss`/`aud`, and the claims we need. Our
 * own tokens are then checked against the user as it is now (exists, enabled, same token
 * version), and the principal's groups are the user's current ones.
 */
export class TokenService {
  private readonly external: { config: ExternalIssuer; jwks: JWTVerifyGetKey }[];
  /**
   * Tokens whose signature and claims were already verified, until they expire: a token
   * is immutable, so that needs doing once. Keyed by the whole token; bounded. The user
   * check is not cached here: it runs on every request (through the user-state cache).
   */
  private readonly verified = new Map<string, { result: Verified; exp: number }>();

  constructor(
    private readonly signingKey: Buffer,
    private readonly settings: TokenSettings,
    private readonly options: TokenServiceOptions = {},
  ) {
    this.external = settings.externalIssuers.map((e) => ({
      config: e,
      jwks: options.jwks ? options.jwks(e) : createRemoteJWKSet(new URL(e.jwksUrl)),
    }));
  }

  /** `tokenVersion` is the user's current `token_version`; the token stops working when it changes. */
  async issue(p: Principal, sessionId: string, tokenVersion: number): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      acc: p.account,
      preferred_username: p.username,
      ver: tokenVersion,
      cust: { groups: [...p.groups], sid: sessionId },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(p.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.settings.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.signingKey);
    return { jwt: token, duration: this.settings.ttlSeconds };
  }

  /**
   * @throws UnauthenticatedError for any token that is not ours (or a trusted issuer's),
   *   expired, not yet valid, for another audience, tampered, missing claims, or (ours)
   *   of a user deleted, disabled or changed since (password, groups, logout).
   */
  async verify(token: string): Promise<Principal> {
    let hit = this.verified.get(token);
    if (hit && hit.exp * 1000 <= Date.now()) {
      this.verified.delete(token);
      hit = undefined;
    }
    const result = hit?.result ?? (await this.verifyUncached(token));
    return result.kind === 'own' ? this.current(result) : result.principal;
  }

  /** The principal of an own token as the user is now. */
  private async current(v: Extract<Verified, { kind: 'own' }>): Promise<Principal> {
    const source = this.options.userState;
    if (!source) return v.principal;
    const user = await source.get(v.principal.userId);
    if (!user || user.disabled || user.tokenVersion !== v.version || user.account !== v.principal.account) {
      throw new UnauthenticatedError('Token has been revoked; obtain a new one from POST /api/v1/auth/tokens');
    }
    return { userId: v.principal.userId, username: user.username, account: user.account, groups: user.groups };
  }

  private async verifyUncached(token: string): Promise<Verified> {
    const issuer = this.peekIssuer(token);
    const ext = this.external.find((e) => e.config.issuer === issuer);
    try {
      let result: Verified;
      let exp: unknown;
      if (ext) {
        const { payload } = await jwtVerify(token, ext.jwks, {
          issuer: ext.config.issuer,
          audience: ext.config.audience,
          algorithms: EXTERNAL_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
        });
        result = { kind: 'external', principal: externalPrincipal(ext.config, payload) };
        exp = payload.exp;
      } else {
        const { payload } = await jwtVerify(token, this.signingKey, {
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          algorithms: OWN_ALGORITHMS,
          requiredClaims: ['sub', 'exp', 'iat', 'ver'],
        });
        const claims = payload as OwnClaims;
        if (typeof claims.ver !== 'number' || !Number.isInteger(claims.ver))
          throw new UnauthenticatedError('Token claim "ver" is not valid');
        result = { kind: 'own', principal: ownPrincipal(claims), version: claims.ver };
        exp = payload.exp;
      }
      if (typeof exp === 'number') {
        if (this.verified.size >= MAX_CACHED) this.verified.clear();
        this.verified.set(token, { result, exp });
      }
      return result;
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

function ownPrincipal(c: OwnClaims): Principal {
  const groups = c.cust?.groups;
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

/**
 * An external issuer's user: the configured account, the configured groups (mapped from
 * the configured claim, plus the defaults). The token's `acc` and group claims are ignored.
 * The user id is qualified by the issuer, so it never equals a local user's id.
 */
function externalPrincipal(e: ExternalIssuer, payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || !payload.sub) throw new UnauthenticatedError('Token lacks the subject claim');
  const groups = new Set(e.defaultGroups ?? []);
  if (e.groups) {
    for (const name of claimStrings(payload, e.groups.claim)) {
      const mapped = Object.hasOwn(e.groups.map, name) ? e.groups.map[name] : undefined;
      if (mapped) groups.add(mapped);
    }
  }
  const username = (payload as { preferred_username?: unknown }).preferred_username;
  return {
    userId: `${e.issuer}#${payload.sub}`,
    username: typeof username === 'string' && username ? username : payload.sub,
    account: e.account,
    groups: [...groups],
    issuer: e.issuer,
  };
}

/** The strings at a dotted claim path: an array of strings, or one space-separated string. */
function claimStrings(payload: JWTPayload, path: string): string[] {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    v =
      v !== null && typeof v === 'object' && Object.hasOwn(v, part) ? (v as Record<string, unknown>)[part] : undefined;
  }
  if (typeof v === 'string') return v.split(' ').filter(Boolean);
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'Token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `Token claim "${err.claim}" is not valid`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is not valid';
  return 'Token is not valid';
}
