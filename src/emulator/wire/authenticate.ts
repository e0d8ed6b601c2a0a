import type { IncomingHttpHeaders } from 'node:http';
import { awsError } from '../../errors/index.js';
import { parseAmzDate, parseAuthorization, signatureMatches } from './sigv4.js';

/** Access keys the endpoint accepts, each bound to an account. */
export type WireCredentials = Record<string, { secretAccessKey: string; accountId: string }>;

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
}

export interface AuthenticateOptions {
  credentials: WireCredentials;
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
  kms: { missing: 'MissingAuthenticationTokenException', unknownKey: 'UnrecognizedClientException', badSignature: 'InvalidSignatureException' },
  sts: { missing: 'MissingAuthenticationToken', unknownKey: 'InvalidClientTokenId', badSignature: 'SignatureDoesNotMatch' },
} as const;

const EXPIRED = { kms: 'ExpiredTokenException', sts: 'ExpiredToken' } as const;

/**
 * Works out the caller of a wire request. The Region comes from the SigV4 credential
 * scope; the account is the one configured for the access key, else the default.
 * When `credentials` is non-empty, the signature is verified and unknown keys, bad
 * signatures and skewed clocks are refused with AWS's error names; when it is empty,
 * any (or no) signature is accepted, which suits local development and tests.
 *
 * @throws MissingAuthenticationToken(Exception) | UnrecognizedClientException/InvalidClientTokenId |
 *   InvalidSignatureException/SignatureDoesNotMatch
 */
export function authenticate(
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Uint8Array },
  opts: AuthenticateOptions,
): WireCaller {
  const names = NAMES[opts.protocol];
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  const verify = Object.keys(opts.credentials).length > 0;
  const session = auth ? opts.sessions?.get(auth.accessKeyId) : undefined;
  if (!verify) {
    const account = session?.accountId ?? (auth ? opts.credentials[auth.accessKeyId]?.accountId : undefined);
    return { accountId: account ?? opts.defaultAccountId, region: auth?.region ?? opts.defaultRegion, ...sessionOf(session) };
  }
  if (!auth) throw awsError(names.missing, 'Missing Authentication Token');
  const cred = session ?? (Object.hasOwn(opts.credentials, auth.accessKeyId) ? opts.credentials[auth.accessKeyId] : undefined);
  if (!cred) throw awsError(names.unknownKey, 'The security token included in the request is invalid.');
  if (session) {
    // Temporary credentials are valid only with their own session token, and only until they expire.
    if (req.headers['x-amz-security-token'] !== session.sessionToken) {
      throw awsError(names.unknownKey, 'The security token included in the request is invalid.');
    }
    if (session.expiresAt <= opts.now.getTime()) throw awsError(EXPIRED[opts.protocol], 'The security token included in the request is expired');
  }
  const signedAt = parseAmzDate(typeof req.headers['x-amz-date'] === 'string' ? req.headers['x-amz-date'] : undefined);
  if (!signedAt || !auth.signedHeaders.includes('x-amz-date') || !signedAt.toISOString().replace(/-/g, '').startsWith(auth.date)) {
    throw awsError(names.badSignature, 'The request must carry a signed X-Amz-Date header matching the credential scope date.');
  }
  if (Math.abs(signedAt.getTime() - opts.now.getTime()) > MAX_SKEW_MS) {
    throw awsError(names.badSignature, 'Signature expired: the request time differs from the server time by more than 5 minutes.');
  }
  if (!signatureMatches(req, auth, cred.secretAccessKey)) {
    throw awsError(
      names.badSignature,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accountId: cred.accountId, region: auth.region, ...sessionOf(session) };
}

const sessionOf = (s: WireSession | undefined) => (s ? { session: { arn: s.arn, userId: s.userId } } : {});
