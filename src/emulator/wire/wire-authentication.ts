import type { IncomingHttpHeaders } from 'node:http';
import { awsError } from '../../errors/index.js';
import type { AuthzRecord } from '../authz/authorizer.js';
import { credentialPrincipalArn } from '../authz/identities.js';
import { partitionOf } from '../model/arn.js';
import {
  constantTimeEqual,
  parseAuthorization,
  verifySignature,
  type SigV4FailureCode,
} from '../../sigv4/sigv4-verifier.js';

/**
 * Access keys the endpoint accepts, each bound to an account and, optionally, to a
 * principal of it (`user/NAME` or `role/NAME`; absent = the account root).
 */
export type WireCredentials = Record<string, { secretAccessKey: string; accountId: string; principal?: string }>;

/** Temporary credentials issued by STS AssumeRole (see wire/sts.ts). */
export interface WireSession {
  secretAccessKey: string;
  accountId: string;
  sessionToken: string;
  /** Epoch ms after which the credentials are refused with ExpiredToken(Exception). */
  expiresAt: number;
  /** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` */
  arn: string;
  /** `AROA…:<session>` */
  userId: string;
}

/** Who a request is from, as far as the endpoint can tell. */
export interface WireCaller {
  accountId: string;
  region: string;
  /** Set for assumed-role credentials: the session's ARN and user id. */
  session?: Pick<WireSession, 'arn' | 'userId'>;
  /** The calling principal: the session, the credential's user or role, or the account root. */
  principalArn: string;
  /** Set by the endpoint: whether the request came over TLS (aws:SecureTransport). */
  secureTransport?: boolean;
  /** Set by the endpoint when the client asked for the authorization decisions. */
  observer?: (record: AuthzRecord) => void;
}

export interface AuthenticateOptions {
  credentials: WireCredentials;
  /** Access keys computed rather than listed (peer instances' keys), consulted after `credentials`. */
  lookupCredential?: (
    accessKeyId: string,
  ) => { secretAccessKey: string; accountId: string; principal?: string } | undefined;
  /**
   * `on` (the default): every request must be SigV4-signed by a key of `credentials` (an
   * empty map refuses everything). `off`: anything is accepted, unsigned included, as the
   * signing key's account or the default one: throwaway local setups only.
   */
  auth?: 'on' | 'off';
  defaultAccountId: string;
  defaultRegion: string;
  /** Current time for the clock-skew check. */
  now: Date;
  /** AWS error names differ by protocol: KMS JSON vs STS query. */
  protocol: 'kms' | 'sts';
  /** Temporary credentials by access key id (AssumeRole); accepted with their session token until they expire. */
  sessions?: ReadonlyMap<string, WireSession>;
}

/** Requests signed more than 5 minutes away from the server's time are refused, as AWS does. */
const MAX_SKEW_MS = 5 * 60 * 1000;

const NAMES = {
  kms: {
    missing: 'MissingAuthenticationTokenException',
    incomplete: 'IncompleteSignatureException',
    unknownKey: 'UnrecognizedClientException',
    badSignature: 'InvalidSignatureException',
  },
  sts: {
    missing: 'MissingAuthenticationToken',
    incomplete: 'IncompleteSignature',
    unknownKey: 'InvalidClientTokenId',
    badSignature: 'SignatureDoesNotMatch',
  },
} as const;

const EXPIRED = { kms: 'ExpiredTokenException', sts: 'ExpiredToken' } as const;

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BAD_DATE = 'The request must carry a signed X-Amz-Date header matching the credential scope date.';

/** AWS's wording for each way a signature can fail; the rest (altered headers, body or path) is a plain mismatch. */
const SIGNATURE_MESSAGES: Partial<Record<SigV4FailureCode, string>> = {
  'host-unsigned': "'Host' must be a 'SignedHeader' in the AWS Authorization.",
  'date-unsigned': BAD_DATE,
  'date-malformed': BAD_DATE,
  'date-out-of-scope': BAD_DATE,
  'clock-skew': 'Signature expired: the request time differs from the server time by more than 5 minutes.',
};

/** A wire request as the endpoint received it (path and query split, body read). */
export interface WireRequest {
  method: string;
  /** The path as received, without the query. */
  path: string;
  /** The query as received, without the `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

/**
 * Works out the caller of a wire request. The Region comes from the SigV4 credential
 * scope; the account is the one configured for the access key. The signature is verified
 * (it must cover `host` and `x-amz-date`), and missing or malformed signatures, unknown
 * keys, bad signatures, wrong session tokens and skewed clocks are refused with AWS's
 * error names. Only with `auth: 'off'` is any (or no) signature accepted, for the key's
 * account or the default one.
 *
 * @throws MissingAuthenticationToken(Exception) | IncompleteSignature(Exception) |
 *   UnrecognizedClientException/InvalidClientTokenId | InvalidSignatureException/SignatureDoesNotMatch |
 *   ExpiredToken(Exception)
 */
export function authenticate(req: WireRequest, opts: AuthenticateOptions): WireCaller {
  const names = NAMES[opts.protocol];
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  const session = auth ? opts.sessions?.get(auth.accessKeyId) : undefined;
  const known = auth
    ? Object.hasOwn(opts.credentials, auth.accessKeyId)
      ? opts.credentials[auth.accessKeyId]
      : opts.lookupCredential?.(auth.accessKeyId)
    : undefined;
  if (opts.auth === 'off') {
    const accountId = session?.accountId ?? known?.accountId ?? opts.defaultAccountId;
    const region = auth?.region ?? opts.defaultRegion;
    const principalArn =
      session?.arn ?? credentialPrincipalArn(partitionOf(region), auth?.accessKeyId ?? '', known ?? { accountId });
    return { accountId, region, ...sessionOf(session), principalArn };
  }
  if (!auth) {
    if (typeof header === 'string' && header.trim() !== '') {
      throw awsError(
        names.incomplete,
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).",
      );
    }
    throw awsError(names.missing, 'Missing Authentication Token');
  }
  const cred = session ?? known;
  if (!cred) throw awsError(names.unknownKey, 'The security token included in the request is invalid.');
  if (session) {
    // Temporary credentials are valid only with their own session token, and only until they expire.
    const token = req.headers['x-amz-security-token'];
    if (typeof token !== 'string' || !constantTimeEqual(token, session.sessionToken)) {
      throw awsError(names.unknownKey, 'The security token included in the request is invalid.');
    }
    if (session.expiresAt <= opts.now.getTime())
      throw awsError(EXPIRED[opts.protocol], 'The security token included in the request is expired');
  }
  const verdict = verifySignature(req, auth, cred.secretAccessKey, { now: opts.now, maxClockSkewMs: MAX_SKEW_MS });
  if (!verdict.ok) throw awsError(names.badSignature, SIGNATURE_MESSAGES[verdict.code] ?? MISMATCH);
  const principalArn =
    session?.arn ?? credentialPrincipalArn(partitionOf(auth.region), auth.accessKeyId, known ?? cred);
  return { accountId: cred.accountId, region: auth.region, ...sessionOf(session), principalArn };
}

const sessionOf = (s: WireSession | undefined) => (s ? { session: { arn: s.arn, userId: s.userId } } : {});
