import { randomBytes } from 'node:crypto';
import { decide } from '../../iam-policy/evaluate.js';
import { IdentityDirectory } from '../authz/identities.js';
import type { WireCaller, WireSession } from './wire-authentication.js';

/** An STS query-protocol response: status, XML body. */
export interface StsResponse {
  status: number;
  body: string;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** STS's XML error document (`<ErrorResponse><Error><Type/><Code/><Message/></Error>`). */
export function stsError(status: number, code: string, message: string, requestId: string): StsResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    body:
      `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code>` +
      `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** AssumeRole's RoleArn: `arn:<partition>:iam::<12 digits>:role/<optional path/>name`. */
const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** Sessions that expired this long ago are forgotten (until then they answer ExpiredToken). */
const FORGET_AFTER_MS = 60 * 60 * 1000;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const keyId = (prefix: string) => prefix + Array.from(randomBytes(16), (b) => ALNUM[b % 32]).join('');

/**
 * The temporary credentials STS AssumeRole has issued. The role's account is the account
 * of the credentials; who may assume a role is decided by {@link assumeRole}.
 */
export class StsSessions {
  private readonly byKey = new Map<string, WireSession>();

  /**
   * @param maxDurationSeconds caps the lifetime of issued credentials (tests use a few
   *   seconds to exercise refresh); AWS's own bounds are 900..43 200 s, default 3 600.
   */
  constructor(private readonly maxDurationSeconds = 43_200) {}

  /** The sessions by access key id, for the SigV4 check. */
  get map(): ReadonlyMap<string, WireSession> {
    return this.byKey;
  }

  /** Issues credentials for a role (the ARN must match ROLE_ARN; the caller checks it). */
  issue(
    roleArn: string,
    sessionName: string,
    durationSeconds: number,
    now: number,
  ): { accessKeyId: string; session: WireSession } {
    const [, partition, account, role] = ROLE_ARN.exec(roleArn)!;
    for (const [k, v] of this.byKey) if (v.expiresAt + FORGET_AFTER_MS < now) this.byKey.delete(k);
    const session: WireSession = {
      secretAccessKey: randomBytes(30).toString('base64'),
      accountId: account!,
      sessionToken: randomBytes(96).toString('base64'),
      expiresAt: now + Math.min(durationSeconds, this.maxDurationSeconds) * 1000,
      arn: `arn:${partition}:sts::${account}:assumed-role/${role}/${sessionName}`,
      // A fresh id per session (AWS keeps the role's id): clients tell their sessions apart by it.
      userId: `${keyId('AROA').slice(0, 21)}:${sessionName}`,
    };
    const accessKeyId = keyId('ASIA').slice(0, 20);
    this.byKey.set(accessKeyId, session);
    return { accessKeyId, session };
  }
}

/**
 * Serves the STS query protocol subset the service needs (Version 2011-06-15):
 * `GetCallerIdentity`, answering the caller's principal (the account root, an IAM user,
 * or an assumed-role session); and, when `sessions` is given, `AssumeRole`.
 */
export function handleSts(
  form: URLSearchParams,
  caller: WireCaller,
  requestId: string,
  sessions?: StsSessions,
  now = Date.now(),
  identities: IdentityDirectory = IdentityDirectory.empty(),
): StsResponse {
  const action = form.get('Action');
  const version = form.get('Version');
  if (version !== null && version !== '2011-06-15') return unknownAction(action, version, requestId);
  if (action === 'AssumeRole' && sessions) return assumeRole(form, caller, sessions, requestId, now, identities);
  if (action !== 'GetCallerIdentity') return unknownAction(action, version, requestId);
  const arn = caller.principalArn;
  const userId = caller.session?.userId ?? identities.principal(arn)?.userId ?? caller.accountId;
  return {
    status: 200,
    body:
      `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>` +
      `<Arn>${xmlEscape(arn)}</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${caller.accountId}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}

function unknownAction(action: string | null, version: string | null, requestId: string): StsResponse {
  return stsError(
    400,
    'InvalidAction',
    `Could not find operation ${action ?? ''} for version ${version ?? ''}`.trim(),
    requestId,
  );
}

function assumeRole(
  form: URLSearchParams,
  caller: WireCaller,
  sessions: StsSessions,
  requestId: string,
  now: number,
  identities: IdentityDirectory,
): StsResponse {
  const roleArn = form.get('RoleArn') ?? '';
  const sessionName = form.get('RoleSessionName') ?? '';
  const duration = form.get('DurationSeconds') === null ? 3600 : Number(form.get('DurationSeconds'));
  const invalid = (field: string, constraint: string) =>
    stsError(
      400,
      'ValidationError',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
      requestId,
    );
  if (!ROLE_ARN.test(roleArn))
    return invalid('roleArn', 'Member must be a valid IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  if (!SESSION_NAME.test(sessionName))
    return invalid('roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}');
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    return invalid('durationSeconds', 'Member must have value between 900 and 43200');
  }
  const [, , roleAccount, roleName] = ROLE_ARN.exec(roleArn)!;
  if (!mayAssume(identities, caller, roleArn, roleAccount!, roleName!, form, now)) {
    return stsError(
      403,
      'AccessDenied',
      `User: ${caller.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      requestId,
    );
  }
  const { accessKeyId, session: s } = sessions.issue(roleArn, sessionName, duration, now);
  return {
    status: 200,
    body:
      `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult>` +
      `<AssumedRoleUser><AssumedRoleId>${xmlEscape(s.userId)}</AssumedRoleId><Arn>${xmlEscape(s.arn)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(s.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xmlEscape(s.sessionToken)}</SessionToken><Expiration>${new Date(s.expiresAt).toISOString()}</Expiration></Credentials>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

/**
 * A declared role (EMULATOR_IDENTITIES) may be assumed as its trust policy allows (with
 * the caller's identity policies, as AWS evaluates a resource policy); an undeclared role
 * only from its own account, as before identities existed.
 */
function mayAssume(
  identities: IdentityDirectory,
  caller: WireCaller,
  roleArn: string,
  roleAccount: string,
  roleName: string,
  form: URLSearchParams,
  now: number,
): boolean {
  const trust = identities.trustPolicyOf(roleAccount, roleName);
  if (!trust) return roleAccount === caller.accountId;
  const principal = identities.principal(caller.principalArn);
  if (!principal) return false;
  const values: Record<string, string | undefined> = {
    'aws:principalarn': principal.roleArn ?? principal.arn,
    'aws:principalaccount': principal.accountId,
    'aws:principaltype': principal.type,
    'aws:username': principal.username,
    'aws:userid': principal.userId,
    'aws:currenttime': new Date(now).toISOString(),
    'sts:externalid': form.get('ExternalId') ?? undefined,
    'sts:rolesessionname': form.get('RoleSessionName') ?? undefined,
  };
  return decide({
    principal,
    action: 'sts:AssumeRole',
    resource: roleArn,
    resourceAccount: roleAccount,
    context: (key) => (values[key] === undefined ? undefined : [values[key]]),
    resourcePolicy: trust,
    identityPolicies: principal.identityPolicies,
  }).allowed;
}
