import { accountRootArn } from '../model/arn.js';
import type { WireCaller } from './authenticate.js';

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

/**
 * Serves the STS query protocol subset the service needs: `Action=GetCallerIdentity`
 * (Version 2011-06-15), answering as the account root of the caller's account, which is
 * what root access keys report on AWS.
 */
export function handleSts(form: URLSearchParams, caller: WireCaller, requestId: string): StsResponse {
  const action = form.get('Action');
  const version = form.get('Version');
  if (action !== 'GetCallerIdentity' || (version !== null && version !== '2011-06-15')) {
    return stsError(400, 'InvalidAction', `Could not find operation ${action ?? ''} for version ${version ?? ''}`.trim(), requestId);
  }
  const arn = accountRootArn(caller.region, caller.accountId);
  return {
    status: 200,
    body:
      `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>` +
      `<Arn>${xmlEscape(arn)}</Arn><UserId>${caller.accountId}</UserId><Account>${caller.accountId}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
